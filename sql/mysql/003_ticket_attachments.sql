-- Files attached to a ticket (a voice recording, a screenshot). The bytes live in the row, in the
-- database every API node shares, written in the same transaction as their metadata. InnoDB keeps
-- a large BLOB off the row's page, so listing (which does not select `data`) stays cheap.
-- MEDIUMBLOB holds up to 16 MiB; the domain caps a file at 10 MiB (MAX_ATTACHMENT_BYTES), which
-- the API sends as a prepared statement so it fits MariaDB's default max_allowed_packet (16 MiB).
CREATE TABLE IF NOT EXISTS ticket_attachments (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id     BIGINT       NOT NULL,
  name          VARCHAR(200) NOT NULL,
  content_type  VARCHAR(200) NOT NULL,
  size          INT          NOT NULL,
  sha256        CHAR(64)     NOT NULL,
  actor         VARCHAR(100) NOT NULL,
  created_at    DATETIME(3)  NOT NULL,
  data          MEDIUMBLOB   NOT NULL,
  KEY ticket_attachments_ticket (ticket_id, id),
  CONSTRAINT ticket_attachments_ticket_fk FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

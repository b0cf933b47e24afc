-- Tickets opened through the GLPI backend (TICKET_BACKEND=glpi): the local ledger and outbox.
-- Every ticket is written here first, so a caller hears a protocol even when GLPI is down or slow;
-- the outbox creates it in GLPI exactly once (searching GLPI for `marker` after an unknown outcome).
CREATE TABLE IF NOT EXISTS glpi_tickets (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  marker           VARCHAR(100) NOT NULL,
  call_id          VARCHAR(64)  NULL,
  requester_code   VARCHAR(12)  NOT NULL,
  requester_name   VARCHAR(200) NOT NULL,
  service_id       BIGINT       NOT NULL,
  service_label    VARCHAR(200) NOT NULL,
  service_path     VARCHAR(500) NOT NULL,
  description      TEXT         NULL,
  source           ENUM('phone', 'web', 'api') NOT NULL,
  payload          MEDIUMTEXT   NOT NULL,
  notice           TEXT         NOT NULL,
  glpi_id          BIGINT       NULL,
  state            ENUM('pending', 'created') NOT NULL,
  uncertain        TINYINT(1)   NOT NULL DEFAULT 0,
  attempts         INT          NOT NULL DEFAULT 0,
  last_error       VARCHAR(500) NULL,
  next_attempt_at  DATETIME(3)  NOT NULL,
  lease_owner      VARCHAR(100) NULL,
  lease_until      DATETIME(3)  NULL,
  created_at       DATETIME(3)  NOT NULL,
  updated_at       DATETIME(3)  NOT NULL,
  sent_at          DATETIME(3)  NULL,
  UNIQUE KEY glpi_tickets_marker (marker),
  UNIQUE KEY glpi_tickets_call (call_id),
  UNIQUE KEY glpi_tickets_glpi (glpi_id),
  KEY glpi_tickets_due (state, next_attempt_at),
  KEY glpi_tickets_requester (requester_code, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Status changes made through the IVR's API (the note also goes to GLPI as a follow-up): the
-- history the port shows. Changes made in GLPI itself show as one last entry, from GLPI's status.
CREATE TABLE IF NOT EXISTS glpi_ticket_events (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id    BIGINT       NOT NULL,
  from_status  VARCHAR(16)  NULL,
  to_status    VARCHAR(16)  NOT NULL,
  note         TEXT         NULL,
  actor        VARCHAR(100) NOT NULL,
  at           DATETIME(3)  NOT NULL,
  KEY glpi_ticket_events_ticket (ticket_id, id),
  CONSTRAINT glpi_ticket_events_ticket_fk FOREIGN KEY (ticket_id) REFERENCES glpi_tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Files attached to those tickets (a voice description): kept here, and uploaded as GLPI Documents
-- once the ticket exists in GLPI, found again by `marker` (in the document's name) after an unknown
-- outcome. MEDIUMBLOB as in ticket_attachments (MAX_ATTACHMENT_BYTES fits).
CREATE TABLE IF NOT EXISTS glpi_attachments (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ticket_id        BIGINT       NOT NULL,
  marker           VARCHAR(100) NOT NULL,
  name             VARCHAR(200) NOT NULL,
  content_type     VARCHAR(200) NOT NULL,
  size             INT          NOT NULL,
  sha256           CHAR(64)     NOT NULL,
  actor            VARCHAR(100) NOT NULL,
  document_id      BIGINT       NULL,
  state            ENUM('pending', 'sent') NOT NULL,
  uncertain        TINYINT(1)   NOT NULL DEFAULT 0,
  attempts         INT          NOT NULL DEFAULT 0,
  last_error       VARCHAR(500) NULL,
  next_attempt_at  DATETIME(3)  NOT NULL,
  lease_owner      VARCHAR(100) NULL,
  lease_until      DATETIME(3)  NULL,
  created_at       DATETIME(3)  NOT NULL,
  updated_at       DATETIME(3)  NOT NULL,
  data             MEDIUMBLOB   NOT NULL,
  UNIQUE KEY glpi_attachments_marker (marker),
  KEY glpi_attachments_due (state, next_attempt_at),
  KEY glpi_attachments_ticket (ticket_id, id),
  CONSTRAINT glpi_attachments_ticket_fk FOREIGN KEY (ticket_id) REFERENCES glpi_tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

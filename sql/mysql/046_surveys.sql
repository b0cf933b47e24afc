-- Satisfaction survey at the end of a ticket or status call: one question, 1 to 5, one key.
-- One answer per call (the IVR may report it twice: the second replaces the first). Personal data
-- (who answered): purged with the call records after RETENTION_CALL_DAYS.
CREATE TABLE IF NOT EXISTS surveys (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  call_id          VARCHAR(64)  NOT NULL,
  user_code        VARCHAR(12)  NULL,
  ticket_protocol  VARCHAR(16)  NULL,
  kind             VARCHAR(8)   NOT NULL,
  score            TINYINT      NOT NULL,
  created_at       DATETIME(3)  NOT NULL,
  UNIQUE KEY surveys_call (call_id),
  KEY surveys_created (created_at),
  CONSTRAINT surveys_kind CHECK (kind IN ('ticket', 'status')),
  CONSTRAINT surveys_score CHECK (score BETWEEN 1 AND 5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

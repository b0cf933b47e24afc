-- A caller asked to be called back (the technicians were closed): the number to call and the
-- ticket it is about, which the technicians' queue and ticket page show. One per call. Personal
-- data (a phone number): purged with the call records after RETENTION_CALL_DAYS.
CREATE TABLE IF NOT EXISTS callbacks (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  call_id          VARCHAR(64)  NOT NULL,
  ticket_protocol  VARCHAR(16)  NOT NULL,
  number           VARCHAR(40)  NOT NULL,
  reason           VARCHAR(8)   NOT NULL,
  requested_at     DATETIME(3)  NOT NULL,
  UNIQUE KEY callbacks_call (call_id),
  KEY callbacks_ticket (ticket_protocol),
  KEY callbacks_requested (requested_at),
  CONSTRAINT callbacks_reason CHECK (reason IN ('closed', 'queue'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

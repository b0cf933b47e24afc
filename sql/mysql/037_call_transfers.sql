-- How the caller was identified ('caller-id', 'caller-id+otp', 'code', 'code+otp'; NULL: not identified).
ALTER TABLE calls ADD COLUMN identified_by VARCHAR(32) NULL;

-- The IVR handing a call to the technicians' queue: what the screen-pop card shows
-- (personal data: purged with the calls after RETENTION_CALL_DAYS).
CREATE TABLE IF NOT EXISTS call_transfers (
  id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  call_id        VARCHAR(64) NOT NULL,
  caller_number  VARCHAR(64) NULL,
  user_id        BIGINT      NULL,
  identified_by  VARCHAR(32) NULL,
  service_id     BIGINT      NULL,
  at             DATETIME(3) NOT NULL,
  UNIQUE KEY call_transfers_call (call_id),
  KEY call_transfers_at (at),
  CONSTRAINT call_transfers_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT call_transfers_service_fk FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

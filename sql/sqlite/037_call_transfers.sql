-- How the caller was identified ('caller-id', 'caller-id+otp', 'code', 'code+otp'; NULL: not identified).
ALTER TABLE calls ADD COLUMN identified_by TEXT;

-- The IVR handing a call to the technicians' queue: what the screen-pop card shows
-- (personal data: purged with the calls after RETENTION_CALL_DAYS).
CREATE TABLE call_transfers (
  id             INTEGER PRIMARY KEY,
  call_id        TEXT    NOT NULL UNIQUE,
  caller_number  TEXT,
  user_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  identified_by  TEXT,
  service_id     INTEGER REFERENCES services(id) ON DELETE SET NULL,
  at             TEXT    NOT NULL
);
CREATE INDEX call_transfers_at ON call_transfers (at);

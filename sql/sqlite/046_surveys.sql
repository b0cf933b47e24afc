-- Satisfaction survey at the end of a ticket or status call: one question, 1 to 5, one key.
-- One answer per call (the IVR may report it twice: the second replaces the first). Personal data
-- (who answered): purged with the call records after RETENTION_CALL_DAYS.
CREATE TABLE surveys (
  id               INTEGER PRIMARY KEY,
  call_id          TEXT    NOT NULL UNIQUE,
  user_code        TEXT,
  ticket_protocol  TEXT,
  kind             TEXT    NOT NULL CHECK (kind IN ('ticket', 'status')),
  score            INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  created_at       TEXT    NOT NULL
);
CREATE INDEX surveys_created ON surveys (created_at);

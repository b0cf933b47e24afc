-- A caller asked to be called back (the technicians were closed): the number to call and the
-- ticket it is about, which the technicians' queue and ticket page show. One per call. Personal
-- data (a phone number): purged with the call records after RETENTION_CALL_DAYS.
CREATE TABLE callbacks (
  id               INTEGER PRIMARY KEY,
  call_id          TEXT    NOT NULL UNIQUE,
  ticket_protocol  TEXT    NOT NULL,
  number           TEXT    NOT NULL,
  reason           TEXT    NOT NULL CHECK (reason IN ('closed', 'queue')),
  requested_at     TEXT    NOT NULL
);
CREATE INDEX callbacks_ticket ON callbacks (ticket_protocol);
CREATE INDEX callbacks_requested ON callbacks (requested_at);

-- Files attached to a ticket (a voice recording, a screenshot). The bytes live in the row, in the
-- database every API node shares, written in the same transaction as their metadata; listing
-- reads only the columns before `data`, which SQLite then leaves unread.
CREATE TABLE ticket_attachments (
  id            INTEGER PRIMARY KEY,
  ticket_id     INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  name          TEXT    NOT NULL,                 -- file name as given, without its folders
  content_type  TEXT    NOT NULL,                 -- media type, e.g. 'audio/wav'
  size          INTEGER NOT NULL,                 -- bytes
  sha256        TEXT    NOT NULL,                 -- hex digest of data
  actor         TEXT    NOT NULL,                 -- API client name that attached it
  created_at    TEXT    NOT NULL,
  data          BLOB    NOT NULL                  -- at most 10 MiB (MAX_ATTACHMENT_BYTES)
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, id);

-- Tickets opened through the GLPI backend (TICKET_BACKEND=glpi): the local ledger and outbox.
-- Every ticket is written here first, so a caller hears a protocol even when GLPI is down or slow;
-- the outbox creates it in GLPI exactly once (searching GLPI for `marker` after an unknown outcome).
CREATE TABLE glpi_tickets (
  id               INTEGER PRIMARY KEY,             -- local number; while waiting the protocol is '0' || id
  marker           TEXT    NOT NULL UNIQUE,         -- written into the GLPI content, found by search
  call_id          TEXT    UNIQUE,                  -- one ticket per call
  requester_code   TEXT    NOT NULL,
  requester_name   TEXT    NOT NULL,
  service_id       INTEGER NOT NULL,
  service_label    TEXT    NOT NULL,
  service_path     TEXT    NOT NULL,
  description      TEXT,
  source           TEXT    NOT NULL CHECK (source IN ('phone', 'web', 'api')),
  payload          TEXT    NOT NULL,                -- JSON: the GLPI Ticket input, built once at open
  notice           TEXT    NOT NULL,                -- JSON: what the IT team's notice says besides protocol and link
  glpi_id          INTEGER UNIQUE,                  -- GLPI's ticket id, once created
  state            TEXT    NOT NULL CHECK (state IN ('pending', 'created')),
  uncertain        INTEGER NOT NULL DEFAULT 0,      -- an attempt may have created it: search before creating
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  next_attempt_at  TEXT    NOT NULL,
  lease_owner      TEXT,                            -- the process sending it now
  lease_until      TEXT,
  created_at       TEXT    NOT NULL,
  updated_at       TEXT    NOT NULL,
  sent_at          TEXT
);
CREATE INDEX glpi_tickets_due ON glpi_tickets (state, next_attempt_at);
CREATE INDEX glpi_tickets_requester ON glpi_tickets (requester_code, id);

-- Status changes made through the IVR's API (the note also goes to GLPI as a follow-up): the
-- history the port shows. Changes made in GLPI itself show as one last entry, from GLPI's status.
CREATE TABLE glpi_ticket_events (
  id           INTEGER PRIMARY KEY,
  ticket_id    INTEGER NOT NULL REFERENCES glpi_tickets(id) ON DELETE CASCADE,
  from_status  TEXT,
  to_status    TEXT    NOT NULL,
  note         TEXT,
  actor        TEXT    NOT NULL,
  at           TEXT    NOT NULL
);
CREATE INDEX glpi_ticket_events_ticket ON glpi_ticket_events (ticket_id, id);

-- Files attached to those tickets (a voice description): kept here, and uploaded as GLPI Documents
-- once the ticket exists in GLPI, found again by `marker` (in the document's name) after an unknown
-- outcome.
CREATE TABLE glpi_attachments (
  id               INTEGER PRIMARY KEY,
  ticket_id        INTEGER NOT NULL REFERENCES glpi_tickets(id) ON DELETE CASCADE,
  marker           TEXT    NOT NULL UNIQUE,
  name             TEXT    NOT NULL,
  content_type     TEXT    NOT NULL,
  size             INTEGER NOT NULL,
  sha256           TEXT    NOT NULL,
  actor            TEXT    NOT NULL,
  document_id      INTEGER,                         -- GLPI's Document id, once uploaded
  state            TEXT    NOT NULL CHECK (state IN ('pending', 'sent')),
  uncertain        INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  next_attempt_at  TEXT    NOT NULL,
  lease_owner      TEXT,
  lease_until      TEXT,
  created_at       TEXT    NOT NULL,
  updated_at       TEXT    NOT NULL,
  data             BLOB    NOT NULL                 -- at most MAX_ATTACHMENT_BYTES
);
CREATE INDEX glpi_attachments_due ON glpi_attachments (state, next_attempt_at);
CREATE INDEX glpi_attachments_ticket ON glpi_attachments (ticket_id, id);

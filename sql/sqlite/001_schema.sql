-- ura-chamados schema, SQLite dialect. Instants: UTC text 'YYYY-MM-DD HH:MM:SS.mmm'.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  code          TEXT    NOT NULL UNIQUE,          -- numeric user code typed on the keypad
  name          TEXT    NOT NULL,
  phone         TEXT,                             -- registered mobile, E.164 (where codes go)
  department    TEXT,
  active        INTEGER NOT NULL DEFAULT 1,
  otp_failures  INTEGER NOT NULL DEFAULT 0,       -- consecutive wrong codes; reset only by a success
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL
);

-- Extensions/phones that recognise a user by caller id. Several users may share a number.
CREATE TABLE user_phones (
  id       INTEGER PRIMARY KEY,
  user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  number   TEXT    NOT NULL,
  UNIQUE (user_id, number)
);
CREATE INDEX user_phones_number ON user_phones (number);

-- The service catalogue: a tree of menus; leaves are what tickets are opened for.
CREATE TABLE services (
  id          INTEGER PRIMARY KEY,
  parent_id   INTEGER REFERENCES services(id),
  dtmf_key    TEXT    NOT NULL,                   -- '1'..'9' inside the parent menu
  label       TEXT    NOT NULL,
  prompt      TEXT    NOT NULL,                   -- what the caller hears for this option
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL
);
CREATE INDEX services_parent ON services (parent_id);

-- Protocol sequence per site and year: protocol = year || site (3 digits) || sequence (5+ digits).
CREATE TABLE protocol_counters (
  site        TEXT    NOT NULL,
  year        INTEGER NOT NULL,
  last_value  INTEGER NOT NULL,
  PRIMARY KEY (site, year)
);

CREATE TABLE tickets (
  id            INTEGER PRIMARY KEY,
  protocol      TEXT    NOT NULL UNIQUE,
  requester_id  INTEGER NOT NULL REFERENCES users(id),
  service_id    INTEGER NOT NULL REFERENCES services(id),
  description   TEXT,
  status        TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')),
  source        TEXT    NOT NULL CHECK (source IN ('phone', 'web', 'api')),
  call_id       TEXT    UNIQUE,                   -- the originating call: one ticket per call
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL
);
CREATE INDEX tickets_requester ON tickets (requester_id);
CREATE INDEX tickets_status ON tickets (status, updated_at);

CREATE TABLE ticket_history (
  id           INTEGER PRIMARY KEY,
  ticket_id    INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  from_status  TEXT,
  to_status    TEXT    NOT NULL,
  note         TEXT,
  actor        TEXT    NOT NULL,                  -- API client name that made the change
  at           TEXT    NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);

-- One-time access codes: only a keyed hash is kept, never the code.
CREATE TABLE otp_codes (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash    TEXT    NOT NULL,                  -- HMAC-SHA256(OTP_SECRET, user id ':' code), hex
  phone_hash   TEXT    NOT NULL,                  -- HMAC of the destination number (per-number cap)
  caller_hash  TEXT,                              -- HMAC of the calling number, when known
  call_id      TEXT,
  state        TEXT    NOT NULL CHECK (state IN ('active', 'used', 'void', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT    NOT NULL,
  expires_at   TEXT    NOT NULL,
  used_at      TEXT
);
CREATE INDEX otp_codes_user ON otp_codes (user_id, created_at);
CREATE INDEX otp_codes_phone ON otp_codes (phone_hash, created_at);
CREATE INDEX otp_codes_caller ON otp_codes (caller_hash, created_at);

-- One row per IVR call (personal data: purged after RETENTION_CALL_DAYS).
CREATE TABLE calls (
  id               INTEGER PRIMARY KEY,
  call_id          TEXT    NOT NULL UNIQUE,
  caller_number    TEXT,
  user_id          INTEGER REFERENCES users(id) ON DELETE SET NULL,
  outcome          TEXT    NOT NULL CHECK (outcome IN ('ticket', 'status', 'transfer', 'abandoned', 'error')),
  step             TEXT,
  ticket_protocol  TEXT,
  started_at       TEXT    NOT NULL,
  duration_ms      INTEGER NOT NULL,
  created_at       TEXT    NOT NULL,
  updated_at       TEXT    NOT NULL
);
CREATE INDEX calls_started ON calls (started_at);

-- Weekly schedule in local time (URA_TIMEZONE): weekday 0 = Sunday … 6 = Saturday.
CREATE TABLE business_hours (
  id       INTEGER PRIMARY KEY,
  weekday  INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  opens    TEXT    NOT NULL,                      -- 'HH:MM'
  closes   TEXT    NOT NULL                       -- 'HH:MM', after opens
);

CREATE TABLE holidays (
  day   TEXT PRIMARY KEY,                         -- 'YYYY-MM-DD', local date
  name  TEXT NOT NULL
);

-- Every write through the API: who (client), from where (address), what (action, entity, details).
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  at         TEXT    NOT NULL,
  client     TEXT    NOT NULL,
  address    TEXT,
  action     TEXT    NOT NULL,
  entity     TEXT    NOT NULL,
  entity_id  TEXT,
  details    TEXT                                 -- JSON; phone numbers masked
);
CREATE INDEX audit_log_at ON audit_log (at);

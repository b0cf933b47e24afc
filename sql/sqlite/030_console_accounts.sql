-- The console's people (issue 12): technicians and admins who sign in at `/`, their sessions, and
-- the failed sign-ins that rate-limit guessing. Passwords are kept only as scrypt hashes; session
-- tokens only as SHA-256 digests (the cookie holds the token, the table cannot be replayed).
CREATE TABLE accounts (
  id               INTEGER PRIMARY KEY,
  username         TEXT    NOT NULL UNIQUE,          -- what is typed at sign-in (lower case)
  name             TEXT    NOT NULL,                 -- shown on pages and written in the audit log
  role             TEXT    NOT NULL CHECK (role IN ('technician', 'admin')),
  extension        TEXT,                             -- the desk phone (screen-pop with AMI)
  password_hash    TEXT    NOT NULL,                 -- scrypt$N$r$p$salt$hash (base64url)
  active           INTEGER NOT NULL DEFAULT 1,
  last_sign_in_at  TEXT,
  created_at       TEXT    NOT NULL,
  updated_at       TEXT    NOT NULL
);

CREATE TABLE console_sessions (
  id            INTEGER PRIMARY KEY,
  token_hash    TEXT    NOT NULL UNIQUE,             -- SHA-256 of the cookie's token, hex
  account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  address       TEXT,
  user_agent    TEXT,
  created_at    TEXT    NOT NULL,
  last_seen_at  TEXT    NOT NULL,
  expires_at    TEXT    NOT NULL                     -- absolute end; idle end is last_seen_at + idle
);
CREATE INDEX console_sessions_account ON console_sessions (account_id);

-- One row per refused sign-in, keyed by an HMAC of the user name or the address; rows older than
-- the window are deleted as new ones arrive.
CREATE TABLE sign_in_failures (
  id       INTEGER PRIMARY KEY,
  key_hash TEXT    NOT NULL,
  at       TEXT    NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key_hash, at);

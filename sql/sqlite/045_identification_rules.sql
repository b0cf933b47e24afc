-- How a caller is identified, changed per department or per extension (docs/security.md).
-- Without a row the default holds: a call from the user's own registered internal extension needs
-- no one-time code; any other call needs the user code and a one-time code.
-- mode: 'extension'      the extension identifies its user, no one-time code (the default)
--       'extension-otp'  the extension names its user, a one-time code proves it
--       'code-otp'       the extension identifies nobody (a shared phone): user code + one-time code
-- An extension's row wins over its user's department's row.
CREATE TABLE identification_rules (
  id          INTEGER PRIMARY KEY,
  scope       TEXT NOT NULL CHECK (scope IN ('department', 'extension')),
  subject     TEXT NOT NULL,                 -- the department's name, or the extension's digits
  mode        TEXT NOT NULL CHECK (mode IN ('extension', 'extension-otp', 'code-otp')),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (scope, subject)
);

-- Kiosk tokens: what a wall TV puts in `#/painel?token=…` to watch the wallboard, read-only.
-- Only the token's SHA-256 is kept: `ura kiosk add NAME` prints the token once.
CREATE TABLE kiosk_tokens (
  id            INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  token_hash    TEXT    NOT NULL UNIQUE,
  created_by    TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  last_used_at  TEXT,
  revoked_at    TEXT
);

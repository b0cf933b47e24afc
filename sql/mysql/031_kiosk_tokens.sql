-- Kiosk tokens: what a wall TV puts in `#/painel?token=…` to watch the wallboard, read-only.
-- Only the token's SHA-256 is kept: `ura kiosk add NAME` prints the token once.
CREATE TABLE IF NOT EXISTS kiosk_tokens (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(100) NOT NULL,
  token_hash    CHAR(64)     NOT NULL,
  created_by    VARCHAR(100) NOT NULL,
  created_at    DATETIME(3)  NOT NULL,
  last_used_at  DATETIME(3)  NULL,
  revoked_at    DATETIME(3)  NULL,
  UNIQUE KEY kiosk_tokens_token (token_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

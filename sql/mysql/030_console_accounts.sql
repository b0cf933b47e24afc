-- The console's people (issue 12): technicians and admins who sign in at `/`, their sessions, and
-- the failed sign-ins that rate-limit guessing. Passwords are kept only as scrypt hashes; session
-- tokens only as SHA-256 digests (the cookie holds the token, the table cannot be replayed).
CREATE TABLE IF NOT EXISTS accounts (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username         VARCHAR(64)  NOT NULL,
  name             VARCHAR(200) NOT NULL,
  role             VARCHAR(16)  NOT NULL,
  extension        VARCHAR(20)  NULL,
  password_hash    VARCHAR(255) NOT NULL,
  active           TINYINT(1)   NOT NULL DEFAULT 1,
  last_sign_in_at  DATETIME(3)  NULL,
  created_at       DATETIME(3)  NOT NULL,
  updated_at       DATETIME(3)  NOT NULL,
  UNIQUE KEY accounts_username (username),
  CONSTRAINT accounts_role CHECK (role IN ('technician', 'admin'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS console_sessions (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash    CHAR(64)     NOT NULL,
  account_id    BIGINT       NOT NULL,
  address       VARCHAR(64)  NULL,
  user_agent    VARCHAR(200) NULL,
  created_at    DATETIME(3)  NOT NULL,
  last_seen_at  DATETIME(3)  NOT NULL,
  expires_at    DATETIME(3)  NOT NULL,
  UNIQUE KEY console_sessions_token (token_hash),
  KEY console_sessions_account (account_id),
  CONSTRAINT console_sessions_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sign_in_failures (
  id        BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  key_hash  CHAR(64)    NOT NULL,
  at        DATETIME(3) NOT NULL,
  KEY sign_in_failures_key (key_hash, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

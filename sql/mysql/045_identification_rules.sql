-- How a caller is identified, changed per department or per extension (docs/security.md).
-- Without a row the default holds: a call from the user's own registered internal extension needs
-- no one-time code; any other call needs the user code and a one-time code.
-- mode: 'extension'      the extension identifies its user, no one-time code (the default)
--       'extension-otp'  the extension names its user, a one-time code proves it
--       'code-otp'       the extension identifies nobody (a shared phone): user code + one-time code
-- An extension's row wins over its user's department's row.
CREATE TABLE IF NOT EXISTS identification_rules (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  scope       VARCHAR(16)  NOT NULL,
  subject     VARCHAR(200) NOT NULL,
  mode        VARCHAR(16)  NOT NULL,
  created_at  DATETIME(3)  NOT NULL,
  updated_at  DATETIME(3)  NOT NULL,
  UNIQUE KEY identification_rules_subject (scope, subject),
  CONSTRAINT identification_rules_scope CHECK (scope IN ('department', 'extension')),
  CONSTRAINT identification_rules_mode CHECK (mode IN ('extension', 'extension-otp', 'code-otp'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

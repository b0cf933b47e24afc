-- The information menu's short guidance texts ("como trocar sua senha"): an admin writes a title
-- and the text the caller hears after pressing its key. Inactive ones are kept but not offered;
-- among the active ones a key is used once (checked by the repository, as the catalogue does).
CREATE TABLE IF NOT EXISTS guidance (
  id          BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
  dtmf_key    CHAR(1)        NOT NULL,
  title       VARCHAR(120)   NOT NULL,
  text        VARCHAR(1000)  NOT NULL,
  active      TINYINT(1)     NOT NULL DEFAULT 1,
  created_at  DATETIME(3)    NOT NULL,
  updated_at  DATETIME(3)    NOT NULL,
  CONSTRAINT guidance_key CHECK (dtmf_key IN ('1', '2', '3', '4', '5', '6', '7', '8', '9'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

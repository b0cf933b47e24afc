-- Announcements played before the main menu ("a rede da Secretaria de Saúde está fora do ar…"):
-- an admin writes the text and when it plays. Only those whose [starts_at, ends_at) holds the
-- current instant play; ends_at NULL plays until an admin ends it.
CREATE TABLE IF NOT EXISTS announcements (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  text        VARCHAR(500)  NOT NULL,
  starts_at   DATETIME(3)   NOT NULL,
  ends_at     DATETIME(3)   NULL,
  created_at  DATETIME(3)   NOT NULL,
  updated_at  DATETIME(3)   NOT NULL,
  KEY announcements_window (ends_at, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

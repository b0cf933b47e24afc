-- Announcements played before the main menu ("a rede da Secretaria de Saúde está fora do ar…"):
-- an admin writes the text and when it plays. Only those whose [starts_at, ends_at) holds the
-- current instant play; ends_at NULL plays until an admin ends it.
CREATE TABLE announcements (
  id          INTEGER PRIMARY KEY,
  text        TEXT    NOT NULL,
  starts_at   TEXT    NOT NULL,
  ends_at     TEXT,
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL
);
CREATE INDEX announcements_window ON announcements (ends_at, starts_at);

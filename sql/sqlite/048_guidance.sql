-- The information menu's short guidance texts ("como trocar sua senha"): an admin writes a title
-- and the text the caller hears after pressing its key. Inactive ones are kept but not offered;
-- among the active ones a key is used once (checked by the repository, as the catalogue does).
CREATE TABLE guidance (
  id          INTEGER PRIMARY KEY,
  dtmf_key    TEXT    NOT NULL CHECK (dtmf_key IN ('1', '2', '3', '4', '5', '6', '7', '8', '9')),
  title       TEXT    NOT NULL,
  text        TEXT    NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL
);

-- Counters that move with every write to something the IVR says, so a reader can tell "changed"
-- from one row instead of reading it all. 'user-names': every user created, renamed, activated or
-- deactivated (UserRepository); the API's answer to an IVR node's heartbeat carries it in its
-- `spoken` fingerprint, and the node then synthesises the names it lacks (issue 13). No personal data.
CREATE TABLE change_counters (
  name     TEXT    PRIMARY KEY,
  version  INTEGER NOT NULL
);
INSERT INTO change_counters (name, version) VALUES ('user-names', 0);

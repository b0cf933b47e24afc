-- One row per destination number and per calling number that asked for a one-time code (issue 14
-- item 3). On MariaDB issuing a code locks these rows before counting the last hour's codes; SQLite
-- serialises writers (BEGIN IMMEDIATE) already, and keeps the same table so both behave alike.
-- Personal data (an HMAC of a number): `ura purge` deletes rows not touched for a day.
CREATE TABLE otp_number_locks (
  kind         TEXT NOT NULL,                     -- 'phone' (destination) or 'caller' (calling number)
  number_hash  TEXT NOT NULL,
  touched_at   TEXT NOT NULL,
  PRIMARY KEY (kind, number_hash)
);

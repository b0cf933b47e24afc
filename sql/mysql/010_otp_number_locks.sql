-- One row per destination number and per calling number that asked for a one-time code (issue 14
-- item 3). Issuing a code locks its numbers' rows (an upsert takes the row lock) before counting
-- the last hour's codes, so parallel requests for one number are counted one after the other and
-- the hourly caps hold exactly; the user's row lock alone did not cover users sharing a mobile nor
-- calls from one number. Personal data (an HMAC of a number): `ura purge` deletes rows not touched
-- for a day, with the codes.
CREATE TABLE IF NOT EXISTS otp_number_locks (
  kind         VARCHAR(8)  NOT NULL,
  number_hash  CHAR(64)    NOT NULL,
  touched_at   DATETIME(3) NOT NULL,
  PRIMARY KEY (kind, number_hash)
) ENGINE=InnoDB;

-- One row per wrong one-time code (issue 13 "Lockout", issue 14 item 4). Failures are counted per
-- calling number (the number that asked for the code), or per user when the request named no
-- number, over the last OTP_COOLDOWN_MINUTES: at OTP_MAX_FAILURES that number cools down and the
-- cool-down ends by itself. A right code from the number clears its rows; an admin's otp-reset
-- clears the user's. Personal data (an HMAC of a number): deleted by `ura purge` with the codes.
CREATE TABLE otp_failures (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  caller_hash  TEXT,                              -- HMAC of the calling number; NULL = none was given
  failed_at    TEXT    NOT NULL
);
CREATE INDEX otp_failures_caller ON otp_failures (caller_hash, failed_at);
CREATE INDEX otp_failures_user ON otp_failures (user_id, failed_at);

-- One row per wrong one-time code (issue 13 "Lockout", issue 14 item 4). Failures are counted per
-- calling number (the number that asked for the code), or per user when the request named no
-- number, over the last OTP_COOLDOWN_MINUTES: at OTP_MAX_FAILURES that number cools down and the
-- cool-down ends by itself. A right code from the number clears its rows; an admin's otp-reset
-- clears the user's. Personal data (an HMAC of a number): deleted by `ura purge` with the codes.
CREATE TABLE IF NOT EXISTS otp_failures (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT      NOT NULL,
  caller_hash  CHAR(64)    NULL,
  failed_at    DATETIME(3) NOT NULL,
  KEY otp_failures_caller (caller_hash, failed_at),
  KEY otp_failures_user (user_id, failed_at),
  CONSTRAINT otp_failures_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

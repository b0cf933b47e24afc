import pino, { type Logger } from "pino";

/** Log fields that may hold a secret, a one-time code or a message text: never written. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "code",
  "*.code",
  "otp",
  "*.otp",
  "password",
  "*.password",
  "message",
  "text",
] as const;

/**
 * The process logger. Redaction is configured once, here, so secrets and one-time codes never
 * reach a log line by accident (STYLE.md §8); phone numbers are masked where they are logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [...REDACTED_PATHS],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination(2),
  );
}

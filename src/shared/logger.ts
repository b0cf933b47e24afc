import pino, { type Logger } from "pino";

/**
 * The process logger. Redaction is configured once, here, so secrets and one-time codes never
 * reach a log line by accident (STYLE.md §8); phone numbers are masked where they are logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
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
        ],
        censor: "[redacted]",
      },
    },
    destination ?? pino.destination(2),
  );
}

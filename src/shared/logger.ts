import { isatty } from "node:tty";
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

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
 *
 * Lines go to stderr: one JSON object each (journald, docker logs, a log shipper), or, when stderr
 * is a terminal, pino-pretty's readable lines (time, level, message, then the fields).
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
    destination ?? defaultDestination(isatty(2)),
  );
}

/** JSON to fd 2, or pretty lines when a person is reading it. */
export function defaultDestination(terminal: boolean): pino.DestinationStream {
  if (!terminal) return pino.destination(2);
  return pretty({ destination: 2, colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true });
}

import { Writable } from "node:stream";
import type { Logger } from "pino";
import { createLogger } from "../../src/shared/logger.js";

/** A pino logger (with the project's redaction) whose lines the test can read. */
export function captureLogs(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger("debug", stream);
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, text };
}

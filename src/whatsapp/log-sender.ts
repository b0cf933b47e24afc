import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { randomUUID } from "node:crypto";
import type { MessageSender, OutgoingMessage } from "../domain/index.js";

/** The `log` sender: a MessageSender that holds its outbox open until close(). */
export interface LogSender extends MessageSender {
  readonly driver: "log";
  /** Lets go of the outbox file; a later send opens it again. */
  close(): void;
}

/**
 * Development sender: appends each message as a JSON line to `file` (the "outbox") instead of
 * delivering it. `ura call` and the benchmark read one-time codes from there. Never use in
 * production: the outbox holds codes in clear, which is its whole purpose.
 *
 * The file stays open for appending (opening and closing it for each code was ~7 % of the
 * instant bench's CPU: docs/performance.md), and each line is written with one synchronous
 * write(2), so a reader sees it whole as soon as send resolves. A file removed or renamed since
 * (a developer clearing it, a rotation) is noticed by a stat before each write and opened afresh
 * at `file`, where readers look.
 */
export function createLogSender(file: string): LogSender {
  let open: { fd: number; dev: number; ino: number } | null = null;

  const outbox = (): number => {
    const now = statSync(file, { throwIfNoEntry: false });
    if (open && (now === undefined || now.ino !== open.ino || now.dev !== open.dev)) release();
    if (!open) {
      if (now === undefined) mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(file, "a", 0o600);
      const { dev, ino } = fstatSync(fd);
      open = { fd, dev, ino };
    }
    return open.fd;
  };
  const release = () => {
    if (!open) return;
    const { fd } = open;
    open = null;
    closeSync(fd);
  };

  return {
    driver: "log",
    async send(message: OutgoingMessage) {
      const id = message.id ?? randomUUID();
      const line = JSON.stringify({ id, at: new Date().toISOString(), phone: message.phone, text: message.text });
      const bytes = Buffer.from(`${line}\n`, "utf8");
      const fd = outbox();
      // A regular file takes the whole line in one write; the loop is for the rare short write.
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      return { id };
    },
    close: release,
  };
}

/** Reads the outbox: the newest message sent to `phone` after `since`, or null. */
export async function lastOutboxMessage(
  file: string,
  phone: string,
  since = 0,
): Promise<{ id: string; at: string; text: string } | null> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const lines = text.trimEnd().split("\n").reverse();
  for (const line of lines) {
    if (line === "") continue;
    const entry = JSON.parse(line) as { id: string; at: string; phone: string; text: string };
    if (entry.phone === phone && Date.parse(entry.at) >= since) return entry;
  }
  return null;
}

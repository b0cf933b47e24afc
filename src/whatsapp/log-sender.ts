import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { randomUUID } from "node:crypto";
import type { MessageSender, OutgoingMessage } from "../domain/index.js";

/**
 * Development sender: appends each message as a JSON line to `file` (the "outbox") instead of
 * delivering it. `ura call` and the benchmark read one-time codes from there. Never use in
 * production: the outbox holds codes in clear, which is its whole purpose.
 */
export function createLogSender(file: string): MessageSender {
  let dirReady: Promise<unknown> | undefined;
  return {
    driver: "log",
    async send(message: OutgoingMessage) {
      dirReady ??= mkdir(dirname(file), { recursive: true });
      await dirReady;
      const id = message.id ?? randomUUID();
      const line = JSON.stringify({ id, at: new Date().toISOString(), phone: message.phone, text: message.text });
      await appendFile(file, `${line}\n`, { mode: 0o600 });
      return { id };
    },
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

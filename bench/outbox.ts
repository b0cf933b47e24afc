import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

interface Message {
  at: number;
  text: string;
}

/**
 * Reads the `log` sender's outbox (DATA_DIR/outbox.jsonl) as it grows: one incremental read
 * shared by every caller waiting for a code, so 2000 concurrent callers do not each re-read and
 * re-parse a file of tens of thousands of lines (which would load the emulator's event loop and
 * inflate the think times it measures).
 */
export class OutboxReader {
  private offset = 0;
  private rest = "";
  private readonly decoder = new StringDecoder("utf8");
  private readonly latest = new Map<string, Message>();
  private reading: Promise<void> | null = null;

  constructor(readonly file: string) {}

  /** The one-time code last sent to `phone` at or after `sinceMs`, waiting up to `timeoutMs` for it to appear. */
  async codeFor(phone: string, sinceMs: number, timeoutMs = 2000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.latest.get(phone);
      if (m && m.at >= sinceMs) {
        const code = /\b(\d{4,10})\b/.exec(m.text);
        if (code) {
          this.latest.delete(phone);
          return code[1]!;
        }
      }
      if (Date.now() > deadline) return null;
      const before = this.offset;
      await this.refresh();
      if (this.offset === before) await new Promise((r) => setTimeout(r, 5));
    }
  }

  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<void> {
    let fh;
    try {
      fh = await open(this.file, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const text = this.rest + this.decoder.write(buf.subarray(0, bytesRead));
        const lines = text.split("\n");
        this.rest = lines.pop() ?? "";
        for (const line of lines) {
          if (line === "") continue;
          const entry = JSON.parse(line) as { at: string; phone: string; text: string };
          // `at` has ms precision; a message written in the same ms the call started still counts.
          this.latest.set(entry.phone, { at: Date.parse(entry.at), text: entry.text });
        }
      }
    } finally {
      await fh.close();
    }
  }
}

import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const TMP_SUFFIX = ".tmp";

/**
 * Writes `target` so that it is either absent, the old file, or the whole new file — never a
 * part: the bytes go to a dot-file `.<name>.<unique>.tmp` beside it (a name Asterisk never opens:
 * it looks for `<name>.sln`, `<name>.wav`, …), are synced, then renamed over `target`.
 */
export async function writeAtomically(target: string, data: Uint8Array | AsyncIterable<Uint8Array>, mode = 0o644): Promise<void> {
  const dir = dirname(target);
  // Every time, not once: an admin may have emptied the directory while we run.
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(target)}.${process.pid}-${randomBytes(4).toString("hex")}${TMP_SUFFIX}`);
  const handle = await open(tmp, "wx", mode);
  try {
    if (data instanceof Uint8Array) await handle.writeFile(data);
    else for await (const chunk of data) await handle.write(chunk);
    await handle.sync();
    await handle.close();
    await rename(tmp, target);
  } catch (err) {
    // Best effort: the write's own error is the one worth reporting.
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

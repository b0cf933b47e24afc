import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A secret kept in a file of its own (mode 0600), made with `make()` the first time. Processes that
 * start together agree on one: each writes its own temporary file and hard-links it into place,
 * which fails when the file exists, so the file appears whole or not at all (creating it empty and
 * writing after let a second process read it half-written). Whoever loses the race reads the
 * winner's. Returns the file's text as it is; callers trim or parse it.
 */
export function secretFile(file: string, make: () => string): string {
  // Every start after the first finds it: read it, and write nothing (a read-only DATA_DIR works).
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, `${make()}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(file, "utf8");
}

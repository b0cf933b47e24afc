import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A secret kept in a file of its own (mode 0600), made with `make()` the first time. Processes that
 * start together agree on one: the file is created exclusively, and whoever loses the race reads
 * the winner's. Returns the file's text as it is; callers trim or parse it.
 */
export function secretFile(file: string, make: () => string): string {
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${make()}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return readFileSync(file, "utf8");
}

import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Vitest's global setup: `npm run build` before any test file runs, because the tests that start
 * `ura` as a user does (bin/ura.js, dist/cli/main.js) run the compiled build, and a stale dist/
 * would test yesterday's code. Incremental (tsconfig.build.json), so a few seconds when nothing changed.
 */
export default async function build(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT, maxBuffer: 16 << 20 });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so the compiled ura cannot be tested:\n${stdout}${stderr}`, { cause: err });
  }
}

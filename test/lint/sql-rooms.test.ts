import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";

/**
 * SQL lives in the storage adapters (src/domain, and the GLPI adapter's own outbox tables). The
 * API, the flow, the transport, the console and the app wiring reach the data through the
 * domain's ports: SQL there is a second place a query's rule would have to be kept (two user reads
 * sat in src/api until session 22).
 */
const ROOMS = ["src/api", "src/ivr", "src/agi", "src/app", "src/console", "src/tts", "src/whatsapp"];
const SQL = /\b(SELECT\s+[\w*]|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET)\b/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|vue)$/.test(e.name) ? [path] : [];
  });
}

it("no SQL outside the storage adapters", () => {
  const root = join(import.meta.dirname, "..", "..");
  const found = ROOMS.flatMap((room) => sources(join(root, room)))
    .flatMap((file) => readFileSync(file, "utf8").split("\n").map((line, i) => ({ file, line, i })))
    .filter(({ line }) => SQL.test(line))
    .map(({ file, line, i }) => `${relative(root, file)}:${i + 1}: ${line.trim().slice(0, 100)}`);
  expect(found).toEqual([]);
});

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { secretFile } from "../../src/shared/secret-file.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "ura-secret-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("secretFile", () => {
  it("makes the file once, private to its owner (0600, folders made), and keeps it", () => {
    const file = join(tempDir(), "data", "x.local");
    expect(secretFile(file, () => "first")).toBe("first\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(secretFile(file, () => "second")).toBe("first\n");
    expect(readFileSync(file, "utf8")).toBe("first\n");
  });

  it("once the file exists, reads it and makes nothing: no new secret, no temporary file", () => {
    const dir = tempDir();
    const file = join(dir, "kept.local");
    writeFileSync(file, "kept\n", { mode: 0o600 });
    const made = vi.fn(() => "new");
    expect(secretFile(file, made)).toBe("kept\n");
    expect(made).not.toHaveBeenCalled();
    expect(readdirSync(dir)).toEqual(["kept.local"]);
  });

  it("processes that start together all end up with the same secret", async () => {
    const file = join(tempDir(), "race.local");
    const module = new URL("../../src/shared/secret-file.ts", import.meta.url).href;
    const script = `const { secretFile } = await import(${JSON.stringify(module)}); process.stdout.write(secretFile(${JSON.stringify(file)}, () => String(process.pid)));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const seen = await Promise.all(Array.from({ length: 4 }, run));
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toBe(readFileSync(file, "utf8"));
  });

  it("a process never reads a secret another is still writing (a long one widens the window)", async () => {
    // `ura migrate` run twice at once read an empty otp-secret.local: the file was created empty
    // and written after, and the loser of the race read it in between.
    const file = join(tempDir(), "long.local");
    const module = new URL("../../src/shared/secret-file.ts", import.meta.url).href;
    const script = `const { secretFile } = await import(${JSON.stringify(module)}); const s = secretFile(${JSON.stringify(file)}, () => String(process.pid).repeat(8_000_000)); process.stdout.write(String(s.length) + " " + s.slice(0, 12));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const seen = await Promise.all(Array.from({ length: 6 }, run));
    expect(new Set(seen).size).toBe(1);
  });
});

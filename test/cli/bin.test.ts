import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { compilerOptions: { rootDir: string; outDir: string } };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A package holding bin/ura.js alone, as npx and npm link see it; the build is added by the test. */
function packageWithBin(): string {
  const root = mkdtempSync(join(tmpdir(), "ura-bin-"));
  dirs.push(root);
  mkdirSync(join(root, "bin"));
  copyFileSync("bin/ura.js", join(root, "bin", "ura.js"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
  return root;
}

describe("bin/ura.js", () => {
  it("runs the compiled CLI from where `npm run build` writes it", () => {
    expect(build.compilerOptions.rootDir).toBe("src");
    const root = packageWithBin();
    // A stand-in for the build's src/cli/main.ts → <outDir>/cli/main.js.
    mkdirSync(join(root, build.compilerOptions.outDir, "cli"), { recursive: true });
    writeFileSync(join(root, build.compilerOptions.outDir, "cli", "main.js"), 'console.log("compiled CLI ran", process.argv.slice(2).join(" "));\n');
    const run = spawnSync(process.execPath, [join(root, "bin", "ura.js"), "doctor"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("compiled CLI ran doctor\n");
  });

  it("without a build, says how to make one and exits 1, instead of running the TypeScript sources", () => {
    const root = packageWithBin();
    mkdirSync(join(root, "src", "cli"), { recursive: true });
    writeFileSync(join(root, "src", "cli", "main.ts"), 'console.log("sources ran");\n');
    const run = spawnSync(process.execPath, [join(root, "bin", "ura.js"), "doctor"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^ura: .*dist\/cli\/main\.js does not exist: run `npm run build` first/);
  });
});

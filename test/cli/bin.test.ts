import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("bin/ura.js", () => {
  it("runs the compiled CLI from where `npm run build` writes it (else it silently falls back to tsx)", () => {
    const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions.rootDir).toBe("src");
    // A package with bin/ura.js and a stand-in for the build's src/cli/main.ts → <outDir>/cli/main.js.
    const root = mkdtempSync(join(tmpdir(), "ura-bin-"));
    mkdirSync(join(root, "bin"));
    copyFileSync("bin/ura.js", join(root, "bin", "ura.js"));
    writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
    mkdirSync(join(root, build.compilerOptions.outDir, "cli"), { recursive: true });
    writeFileSync(join(root, build.compilerOptions.outDir, "cli", "main.js"), 'console.log("compiled CLI ran", process.argv.slice(2).join(" "));\n');
    const run = spawnSync(process.execPath, [join(root, "bin", "ura.js"), "doctor"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("compiled CLI ran doctor\n");
  });
});

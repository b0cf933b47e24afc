import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("bin/ura.js", () => {
  it("runs the compiled CLI from where `npm run build` writes it (else it silently falls back to tsx)", () => {
    const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions.rootDir).toBe("src");
    // src/cli/main.ts compiles to <outDir>/cli/main.js
    const expected = `join(root, ${JSON.stringify(build.compilerOptions.outDir)}, "cli", "main.js")`;
    expect(readFileSync("bin/ura.js", "utf8")).toContain(expected);
  });
});

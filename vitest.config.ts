import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Compiles src/ into dist/ first: `ura` in tests is the compiled build, as in production.
    globalSetup: ["test/support/build.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Suites that share the one MariaDB server use their own database names, so files may run in parallel.
    fileParallelism: true,
    // CI also writes a JSON summary that .ci/run turns into its "N passed, N failed" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results.json" }]] : ["default"],
  },
});

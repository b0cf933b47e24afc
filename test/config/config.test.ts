import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSettings, parseEnvFile, renderConfigTable, renderEnvExample, testSettings } from "../../src/config/index.js";

describe("configuration", () => {
  it("runs a fresh clone with no settings at all", () => {
    const s = testSettings();
    expect(s.AGI_PORT).toBe(4573);
    expect(s.API_PORT).toBe(8080);
    expect(s.DB_DRIVER).toBe("sqlite");
    expect(s.AGI_ALLOWED_PEERS).toEqual(["127.0.0.1", "::1"]);
  });

  it("names every bad variable, one line each, with what it expected", () => {
    let error: unknown;
    try {
      loadSettings({ env: { AGI_PORT: "abc", OTP_TTL_SECONDS: "900", DB_DRIVER: "postgres" }, envFile: false });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith("AGI_PORT:"))).toContain('"abc"');
    expect(problems.find((p) => p.startsWith("OTP_TTL_SECONDS:"))).toContain("600");
    expect(problems.find((p) => p.startsWith("DB_DRIVER:"))).toMatch(/sqlite.*mysql/);
  });

  it("reads .env under the environment, and the environment wins", () => {
    const env = parseEnvFile('# comment\nAGI_PORT=5000\nLOG_LEVEL="debug"\nAPI_PORT=9000 # trailing\n');
    expect(env).toEqual({ AGI_PORT: "5000", LOG_LEVEL: "debug", API_PORT: "9000" });
  });

  it("treats an empty value as unset, so a copied .env.example keeps the defaults", () => {
    expect(testSettings({ AGI_PORT: "" }).AGI_PORT).toBe(4573);
  });

  it("keeps .env.example in step with the schema (regenerate with `ura config example`)", () => {
    expect(readFileSync(".env.example", "utf8")).toBe(renderEnvExample());
  });
});

describe("docs/configuration.md", () => {
  it("lists every setting with its default (regenerate with `ura config table`)", () => {
    const doc = readFileSync("docs/configuration.md", "utf8");
    const generated = doc.slice(doc.indexOf("<!-- generated: ura config table -->\n") + "<!-- generated: ura config table -->\n".length);
    expect(generated).toBe(renderConfigTable());
  });
});

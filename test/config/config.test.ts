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

  it.each([
    ["AGI_ALLOWED_PEERS", { AGI_ALLOWED_PEERS: "127.0.0.1,pbx.local" }, /"pbx\.local" is not an IP address/],
    ["API_ALLOWED_CLIENTS", { API_ALLOWED_CLIENTS: "10.0.0.0/40" }, /invalid prefix length/],
    ["WHATSAPP_ALLOWED_CLIENTS", { WHATSAPP_ALLOWED_CLIENTS: "foo" }, /not an IP address/],
    ["API_TOKENS", { API_TOKENS: "ivr:ivr:short" }, /shorter than 16 characters/],
    ["DATABASE_URL", { DB_DRIVER: "mysql", DATABASE_URL: "notaurl" }, /expected mysql:\/\/user:password@host/],
    ["URA_TIMEZONE", { URA_TIMEZONE: "Mars/Base" }, /IANA timezone/],
    ["OTP_SECRET", { OTP_SECRET: "short" }, /at least 32 characters/],
    ["WHATSAPP_CLOUD_TOKEN", { SENDER_DRIVER: "cloud", WHATSAPP_CLOUD_PHONE_ID: "123" }, /required when SENDER_DRIVER=cloud/],
    ["ASTERISK_AMI_SECRET", { ASTERISK_AMI_HOST: "pbx.local", ASTERISK_AMI_USER: "ura" }, /required when ASTERISK_AMI_HOST and ASTERISK_AMI_USER are set/],
    ["GLPI_URL", { TICKET_BACKEND: "glpi", GLPI_USER_TOKEN: "t".repeat(40) }, /required when TICKET_BACKEND=glpi/],
    ["GLPI_USER_TOKEN", { TICKET_BACKEND: "glpi", GLPI_URL: "https://glpi.example.gov.br/apirest.php" }, /required when TICKET_BACKEND=glpi/],
    ["GLPI_URL", { GLPI_URL: "https://glpi.example.gov.br/glpi/", GLPI_USER_TOKEN: "t".repeat(40) }, /ending in apirest\.php/],
    ["GLPI_URL", { GLPI_APP_TOKEN: "a".repeat(40) }, /required when GLPI_USER_TOKEN or GLPI_APP_TOKEN is set/],
    ["GLPI_USER_TOKEN", { GLPI_URL: "https://glpi.example.gov.br/apirest.php" }, /required when GLPI_URL is set/],
    ["GLPI_ENTITY_ID", { GLPI_ENTITY_ID: "root" }, /GLPI id/],
    ["TELEGRAM_CHAT_ID", { TELEGRAM_BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwxYZ" }, /required when TELEGRAM_BOT_TOKEN is set/],
    ["TELEGRAM_BOT_TOKEN", { TELEGRAM_CHAT_ID: "-1001234567890" }, /required when TELEGRAM_CHAT_ID is set/],
    ["TELEGRAM_BOT_TOKEN", { TELEGRAM_BOT_TOKEN: "not-a-token", TELEGRAM_CHAT_ID: "-100" }, /bot token/],
    ["NOTIFY_WEBHOOK_SECRET", { NOTIFY_WEBHOOK_URL: "https://hooks.example.gov.br/ura" }, /required when NOTIFY_WEBHOOK_URL is set/],
    ["NOTIFY_WEBHOOK_URL", { NOTIFY_WEBHOOK_SECRET: "s".repeat(40) }, /required when NOTIFY_WEBHOOK_SECRET is set/],
  ])("stops at start-up on a bad %s, naming it, instead of failing at the first call", (name, env, why) => {
    let error: unknown;
    try {
      loadSettings({ env, envFile: false });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(problems[0]).toMatch(why);
  });

  it("names every missing AMI setting when only some are given, and accepts none or all", () => {
    let error: unknown;
    try {
      loadSettings({ env: { ASTERISK_AMI_USER: "ura" }, envFile: false });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).problems).toEqual([
      "ASTERISK_AMI_HOST: required when ASTERISK_AMI_USER is set",
      "ASTERISK_AMI_SECRET: required when ASTERISK_AMI_USER is set",
    ]);
    expect(testSettings().ASTERISK_AMI_HOST).toBe("");
    const all = testSettings({ ASTERISK_AMI_HOST: "10.0.0.2", ASTERISK_AMI_USER: "ura", ASTERISK_AMI_SECRET: "s3cret-long-enough" });
    expect(all.ASTERISK_AMI_PORT).toBe(5038);
  });

  it("takes a complete GLPI, Telegram and webhook set-up", () => {
    const s = testSettings({
      TICKET_BACKEND: "glpi",
      GLPI_URL: "https://glpi.example.gov.br/apirest.php",
      GLPI_USER_TOKEN: "u".repeat(40),
      GLPI_APP_TOKEN: "a".repeat(40),
      GLPI_ENTITY_ID: "0",
      TELEGRAM_BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwxYZ",
      TELEGRAM_CHAT_ID: "-1001234567890",
      NOTIFY_WEBHOOK_URL: "https://hooks.example.gov.br/ura",
      NOTIFY_WEBHOOK_SECRET: "s".repeat(40),
    });
    expect(s.TICKET_BACKEND).toBe("glpi");
    expect(s.TELEGRAM_API_URL).toBe("https://api.telegram.org");
    expect(testSettings().TICKET_BACKEND).toBe("builtin");
  });

  it("never echoes a rejected secret: tokens and secrets by length, a database password masked", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadSettings({ env, envFile: false });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    const [tokens] = problems({ API_TOKENS: "ivr:ivr:hunter2hunter2" });
    expect(tokens).not.toContain("hunter2");
    expect(tokens).toContain("22 characters, not shown");
    const [bot] = problems({ TELEGRAM_BOT_TOKEN: "hunter2-telegram", TELEGRAM_CHAT_ID: "-100" });
    expect(bot).not.toContain("hunter2");
    const [otp] = problems({ OTP_SECRET: "tooshort-secret" });
    expect(otp).not.toContain("tooshort-secret");
    const [url] = problems({ DB_DRIVER: "mysql", DATABASE_URL: "mysql://ura:s3cr3t@db host/ura" });
    expect(url).toContain('"mysql://ura:***@db host/ura"');
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

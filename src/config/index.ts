import { hostname } from "node:os";
import { resolve, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { readEnvFile } from "./env-file.js";
import { settingsSchema, type Settings, type SettingName } from "./schema.js";

export { ESPEAK_DEFAULT_WPM, settingsSchema, type Settings, type SettingName } from "./schema.js";
export { parseEnvFile } from "./env-file.js";

/** Start-up stops on this: one line per bad setting, each naming the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadOptions {
  /** Variables to read; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** `.env` file to read under the environment (environment wins); `false` for none. */
  envFile?: string | false;
}

/**
 * Listens with `listen`, and turns a port already taken into the configuration error naming the
 * setting that chose it: a bare EADDRINUSE said nothing of which variable to change (two nodes on
 * one host, or a second `ura start`).
 */
export async function listenOn<T>(setting: SettingName, address: { host: string; port: number }, listen: () => Promise<T>,
  why = "another process listens there",
  advice = `set ${setting} to a free port`,
): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    throw new ConfigError([`${setting}: ${address.host}:${address.port} is in use (${why}): ${advice}`]);
  }
}

/** Reads and validates every setting. Throws ConfigError naming each bad variable. */
export function loadSettings(options: LoadOptions = {}): Settings {
  const fromFile = options.envFile === false ? {} : readEnvFile(options.envFile ?? ".env");
  const env = options.env ?? process.env;
  const input: Record<string, string> = {};
  for (const name of Object.keys(settingsSchema.shape)) {
    const value = env[name] ?? fromFile[name];
    // An empty value means "not set", so `PORT=` in a copied .env.example keeps the default.
    if (value !== undefined && value !== "") input[name] = value;
  }
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, input));
  return parsed.data;
}

/** Settings for tests and embedded use: defaults plus the given overrides, no environment. */
export function testSettings(overrides: Partial<Record<SettingName, string>> = {}): Settings {
  return loadSettings({ env: overrides, envFile: false });
}

function describeIssues(error: z.ZodError, input: Record<string, string>): string[] {
  return error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "?");
    const got = input[name];
    return `${name}: ${issue.message}${got === undefined ? "" : ` (got ${shown(name, got)})`}`;
  });
}

/** A rejected value as it may be printed: secrets are never echoed, only their length. */
function shown(name: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD/.test(name)) return `${value.length} characters, not shown`;
  return JSON.stringify(maskUrlPassword(value));
}

/** `mysql://ura:secret@db/ura` → `mysql://ura:***@db/ura`; works on malformed URLs too. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@\s]*:)[^@/\s]*@/, "$1***@");
}

/** Absolute path of a file under DATA_DIR, or of an explicit setting when it is non-empty. */
export function dataPath(settings: Settings, explicit: string, fallback: string): string {
  return resolve(explicit !== "" ? explicit : join(settings.DATA_DIR, fallback));
}

/** The package's own prompt set: found from this module, so `ura` works from any working directory. */
const BUNDLED_SOUNDS_DIR = fileURLToPath(new URL("../../sounds", import.meta.url));

/** Absolute SOUNDS_DIR: the setting when given, else the prompt set shipped with the package. */
export function soundsDir(settings: Settings): string {
  return settings.SOUNDS_DIR !== "" ? resolve(settings.SOUNDS_DIR) : BUNDLED_SOUNDS_DIR;
}

/** Where a process on this host reaches a server listening on host:port (a wildcard address means loopback). */
export function localUrl(host: string, port: number): string {
  const reachable = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/** Where a process on this host reaches the API it serves. */
export function localApiUrl(settings: Settings, port: number = settings.API_PORT): string {
  return localUrl(settings.API_HOST, port);
}

/** The text of `.env.example`, generated from the schema so the two never drift apart. */
export function renderEnvExample(): string {
  const lines = [
    "# ura-chamados settings. Every variable is optional: the value shown is the default.",
    "# Generated from src/config/schema.ts by `ura config example`; edit the schema, not this file.",
    "",
  ];
  for (const [name, schema] of Object.entries(settingsSchema.shape)) {
    const description = (schema as z.ZodType).description ?? "";
    lines.push(`# ${description}`);
    lines.push(`${name}=${formatDefault(schema as z.ZodType)}`);
    lines.push("");
  }
  return lines.join("\n");
}

/** The settings table of `docs/configuration.md`, generated from the schema like `.env.example`. */
export function renderConfigTable(): string {
  const rows = Object.entries(settingsSchema.shape).map(([name, schema]) => {
    const value = formatDefault(schema as z.ZodType);
    const description = ((schema as z.ZodType).description ?? "").replace(/\|/g, "\\|");
    return `| \`${name}\` | ${value === "" ? "(empty)" : `\`${value}\``} | ${description} |`;
  });
  return ["| variable | default | meaning |", "| --- | --- | --- |", ...rows, ""].join("\n");
}

function formatDefault(schema: z.ZodType): string {
  const value = schema.parse(undefined) as unknown;
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** NODE_NAME, or this host's name: how this node appears in `ura status` and in the metrics. */
export function nodeName(settings: Pick<Settings, "NODE_NAME">): string {
  return settings.NODE_NAME !== "" ? settings.NODE_NAME : hostname();
}

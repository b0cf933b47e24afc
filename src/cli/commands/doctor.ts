import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dataPath, localApiUrl, maskUrlPassword, soundsDir, type Settings } from "../../config/index.js";
import { loadMigrations, openMysql, openSqlite, pendingMigrations, type Db } from "../../domain/index.js";
import { checkGlpi } from "../../glpi/index.js";
import { audioDirs, createEngine, promptStates, readPromptTexts, type SpeechEngine } from "../../tts/index.js";
import { DeadlineExceededError, withDeadline } from "../../shared/deadline.js";
import { describeError } from "../../shared/errors.js";
import { requestJson } from "../../shared/http-client.js";
import { outboxPath, whatsappServiceUrl } from "../../whatsapp/index.js";
import { parseCommandLine, type CliCommand } from "../command.js";

type Level = "ok" | "warn" | "fail";
interface Check {
  name: string;
  level: Level;
  detail: string;
}

const MARK: Record<Level, string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

export const command: CliCommand = {
  name: "doctor",
  summary: "check this host's set-up: database, migrations, prompts, TTS, API, GLPI, sender, AGI port",
  usage: `ura doctor [--json]

Checks what a call needs, with the settings this process would start with, and prints one line
per check: ok, warn (works, but look at it) or FAIL (a call would fail). Exit code 1 when any
check fails. Nothing is changed: no database file is created, no migration applied, no message
sent. The TTS check synthesises one short sentence (with Polly, that is one real request). With
GLPI_URL set, the GLPI check opens (and closes) one session with the service account's tokens.
--json prints the checks as JSON instead.`,
  async run(args, ctx) {
    const json = parseFlags(args).json === true;
    const checks = await runChecks(ctx.settings);
    if (json) {
      ctx.stdout.write(JSON.stringify({ checks }, null, 2) + "\n");
    } else {
      for (const c of checks) ctx.stdout.write(`${MARK[c.level]}  ${c.name.padEnd(11)} ${c.detail}\n`);
    }
    return checks.some((c) => c.level === "fail") ? 1 : 0;
  },
};

/** Every check, in the order a call meets them; each one catches its own failure. */
export async function runChecks(settings: Settings): Promise<Check[]> {
  const guarded = async (name: string, check: () => Promise<Omit<Check, "name">>): Promise<Check> => {
    try {
      return { name, ...(await check()) };
    } catch (err) {
      return { name, level: "fail", detail: describeError(err) };
    }
  };
  return [
    await guarded("database", () => checkDatabase(settings)),
    await guarded("prompts", () => checkPrompts(settings)),
    await guarded("tts", () => checkTts(settings)),
    await guarded("api", () => checkApi(settings)),
    // GLPI only when configured (TICKET_BACKEND=glpi requires GLPI_URL).
    ...(settings.GLPI_URL !== "" ? [await guarded("glpi", () => checkGlpi(settings))] : []),
    await guarded("sender", () => checkSender(settings)),
    await guarded("agi", () => checkAgiPort(settings)),
  ];
}

async function checkDatabase(settings: Settings): Promise<Omit<Check, "name">> {
  let db: Db;
  let where: string;
  if (settings.DB_DRIVER === "mysql") {
    db = openMysql(settings.DATABASE_URL, 1);
    where = `mysql ${maskUrlPassword(settings.DATABASE_URL)}`;
  } else {
    const file = dataPath(settings, settings.SQLITE_PATH, "ura.sqlite");
    // Opening a missing SQLite file would create it: a check must not.
    if (!existsSync(file)) return { level: "warn", detail: `sqlite ${file} does not exist yet (ura start or ura migrate creates it)` };
    db = openSqlite(file);
    where = `sqlite ${file}`;
  }
  try {
    await withDeadline(5000, () => db.ping()).catch((err: unknown) => {
      throw err instanceof DeadlineExceededError ? new Error("no answer from the database in 5 s") : err;
    });
    const latest = loadMigrations(db.dialect).at(-1)?.version ?? 0;
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      return { level: "warn", detail: `${where}: ${pending.length} migration(s) pending (${pending.map((m) => m.file).join(", ")}); run ura migrate` };
    }
    return { level: "ok", detail: `${where}: reachable, schema at version ${latest}` };
  } finally {
    await db.close().catch(() => undefined);
  }
}

async function checkPrompts(settings: Settings): Promise<Omit<Check, "name">> {
  const texts = readPromptTexts(soundsDir(settings));
  // As `ura sounds render` does: espeak renders the prompts when TTS_ENGINE is none.
  const engine = createEngine(settings, { engine: settings.TTS_ENGINE === "none" ? "espeak" : settings.TTS_ENGINE })!;
  const states = await promptStates(texts, audioDirs(settings).prompts, engine).finally(() => engine.close?.());
  const count = (s: string) => [...states.values()].filter((v) => v.state === s).length;
  const missing = [...states].filter(([, v]) => v.state === "missing").map(([id]) => id);
  const summary = `${texts.size} prompts in ${soundsDir(settings)}: ${count("current")} rendered, ${count("recording")} studio recordings, ${count("stale")} stale, ${missing.length} missing`;
  if (missing.length > 0) return { level: "fail", detail: `${summary} (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}); run ura sounds render` };
  if (count("stale") > 0) return { level: "warn", detail: `${summary}; ura sounds render brings the stale ones up to date` };
  return { level: "ok", detail: summary };
}

async function checkTts(settings: Settings): Promise<Omit<Check, "name">> {
  const engine: SpeechEngine | null = createEngine(settings);
  if (!engine) return { level: "warn", detail: "TTS_ENGINE=none: names are not spoken (the flow reads the user code instead)" };
  const started = Date.now();
  try {
    // withDeadline settles by the deadline even if the engine ignores its abort signal.
    const audio = await withDeadline(settings.TTS_TIMEOUT_MS, ({ signal }) => engine.render("Teste de voz.", signal));
    const ms = Date.now() - started;
    return {
      level: ms > settings.TTS_TIMEOUT_MS / 2 ? "warn" : "ok",
      detail: `${engine.name} (${engine.voiceKey}) synthesised a test sentence in ${ms} ms (${audio.length} bytes; limit TTS_TIMEOUT_MS=${settings.TTS_TIMEOUT_MS})`,
    };
  } catch (err) {
    const why = err instanceof DeadlineExceededError ? `no audio within TTS_TIMEOUT_MS=${settings.TTS_TIMEOUT_MS} ms` : describeError(err);
    return { level: "fail", detail: `${engine.name}: ${why}` };
  } finally {
    engine.close?.();
  }
}

/**
 * The API this node's IVR talks to: API_URL (`ura ivr`), or this host's API_HOST:API_PORT, which is
 * what `ura start` uses. Not running is only a warning: the check may run before the service.
 */
async function checkApi(settings: Settings): Promise<Omit<Check, "name">> {
  const urls = [...new Set([settings.API_URL, localApiUrl(settings)].map((base) => new URL("/health", base).toString()))];
  const failures: string[] = [];
  for (const url of urls) {
    try {
      const res = await requestJson(url, { timeoutMs: settings.IVR_API_BUDGET_MS });
      const body = (res.body ?? {}) as { status?: string };
      if (res.status >= 200 && res.status < 300) return { level: "ok", detail: `${url}: ${body.status ?? res.status}` };
      return { level: "fail", detail: `${url}: HTTP ${res.status}${body.status ? ` (${body.status})` : ""}` };
    } catch (err) {
      failures.push(`${url} (${describeError(err)})`);
    }
  }
  return { level: "warn", detail: `not reachable: ${failures.join(", ")}; fine if the API is not started yet, a call would fail otherwise` };
}

async function checkSender(settings: Settings): Promise<Omit<Check, "name">> {
  switch (settings.SENDER_DRIVER) {
    case "log":
      return { level: "warn", detail: `SENDER_DRIVER=log: one-time codes are only written to ${outboxPath(settings)} (development)` };
    case "cloud":
      // Its two settings are checked when settings load; contacting Meta would need a real message.
      return { level: "ok", detail: `cloud: ${settings.WHATSAPP_CLOUD_URL}, phone id ${settings.WHATSAPP_CLOUD_PHONE_ID} (not contacted)` };
    case "venom": {
      const url = whatsappServiceUrl(settings.WHATSAPP_URL, "/api/auth/status").toString();
      try {
        const res = await requestJson(url, { timeoutMs: settings.SENDER_TIMEOUT_MS });
        const body = (res.body ?? {}) as { connected?: boolean; linked?: boolean; state?: string; detail?: string | null };
        if (body.connected) return { level: "ok", detail: `${url}: linked and connected` };
        const why = `${body.state ?? `HTTP ${res.status}`}${body.detail ? `: ${body.detail}` : ""}`;
        return { level: "fail", detail: `${url}: WhatsApp not connected (${why}); codes cannot be sent` };
      } catch (err) {
        return { level: "fail", detail: `${url} not reachable (${describeError(err)}): is ura whatsapp running?` };
      }
    }
  }
}

/** Free means `ura start` can listen; taken is expected while the service runs. */
async function checkAgiPort(settings: Settings): Promise<Omit<Check, "name">> {
  const where = `${settings.AGI_HOST}:${settings.AGI_PORT}`;
  const free = await new Promise<boolean | string>((resolve) => {
    const srv = createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRINUSE" ? false : `${err.code ?? err.message}`));
    srv.listen(settings.AGI_PORT, settings.AGI_HOST, () => srv.close(() => resolve(true)));
  });
  const peers = settings.AGI_ALLOWED_PEERS.join(", ");
  if (typeof free === "string") return { level: "fail", detail: `cannot listen on ${where} (${free}): check AGI_HOST` };
  return { level: "ok", detail: `${where} ${free ? "free" : "in use (a running ura, presumably)"}; Asterisk allowed from ${peers}` };
}

function parseFlags(args: string[]): { json?: boolean } {
  return parseCommandLine({ args, options: { json: { type: "boolean" } } }).values;
}

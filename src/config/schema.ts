import { z } from "zod";
import { parseApiTokens } from "../shared/api-tokens.js";
import { IpAllowList } from "../shared/ip-allow-list.js";

/**
 * Every setting of ura-chamados, in one place. Each entry is read from the environment variable
 * of the same name (or `.env`). `describe()` is the one-line comment copied into `.env.example`,
 * and a test keeps that file in step with this schema.
 */

/** A yes/no setting (true/false, 1/0, yes/no). */
export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) => {
  const expected = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: expected }).int(expected).min(min, expected).max(max, expected);
};

/** Comma-separated list; empty string means an empty list. */
const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const port = int(1, 65535);

/**
 * espeak-ng's rate when TTS_ESPEAK_WPM is not set: 190, about 10 % above espeak-ng's own 175, as
 * IVR prompts are commonly spoken faster than conversation (docs/audio.md, docs/decisions.md).
 */
export const ESPEAK_DEFAULT_WPM = 190;

/** A list of IPs/CIDR ranges, checked now rather than when the first connection arrives. */
const addressList = list.superRefine((entries, ctx) => {
  try {
    new IpAllowList(entries);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

/**
 * Which reverse proxies' `X-Forwarded-For` to believe (fastify's `trustProxy`): `false`/empty (none:
 * the client is the socket's peer), a hop count (`1` = one proxy in front, whatever its address),
 * or the proxies' IPs/CIDR ranges. The client is then the address as the last trusted proxy saw it:
 * entries a client wrote into the header itself are never believed. The old `true` (believe every
 * hop, so any client could name its own address) is refused with what to write instead.
 */
export type TrustedProxies = false | number | string[];
const trustedProxies = z.string().transform((raw, ctx): TrustedProxies => {
  const value = raw.trim().toLowerCase();
  if (value === "" || value === "false" || value === "no" || value === "0") return false;
  if (value === "true" || value === "yes") {
    ctx.addIssue({
      code: "custom",
      message:
        '"true" trusted every X-Forwarded-For, so any client could name an allowed address: give the proxies\' addresses (e.g. 127.0.0.1 or 10.0.0.5,10.0.0.6) or how many proxies stand in front (e.g. 1)',
    });
    return z.NEVER;
  }
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) ctx.addIssue({ code: "custom", message: "expected a hop count from 0 to 10, or the proxies' addresses" });
    return hops;
  }
  const entries = raw.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
  try {
    new IpAllowList(entries.filter((e) => e !== "*"));
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `${(err as Error).message} (expected false, a hop count, or the proxies' IPs/CIDR ranges)` });
    return z.NEVER;
  }
  if (entries.includes("*") || entries.includes("0.0.0.0/0") || entries.includes("::/0")) {
    ctx.addIssue({ code: "custom", message: "trusting every address as a proxy is the old true: list the proxies' own addresses" });
    return z.NEVER;
  }
  return entries;
});

/** A secret that, when given, must be long enough to be one (empty = the documented fallback). */
const optionalSecret = (min: number) =>
  z.string().refine((s) => s === "" || s.length >= min, `expected at least ${min} characters (or empty)`);

/** A GLPI row id, or empty for "not set". */
const glpiId = z.string().regex(/^[0-9]{0,10}$/, "expected a GLPI id (digits), or empty");

function validTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const settingsSchema = z.object({
  // ── general ────────────────────────────────────────────────────────────────
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("pino log level"),
  URA_TIMEZONE: z
    .string()
    .refine(validTimeZone, "expected an IANA timezone such as America/Sao_Paulo")
    .default("America/Sao_Paulo")
    .describe("IANA timezone used to show dates and evaluate business hours (storage is UTC)"),
  DATA_DIR: z.string().default("./data").describe("where the embedded database, TTS cache and dev outbox live"),

  // ── operations: metrics and liveness (docs/operations.md) ──────────────────
  NODE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,64}$/, "expected letters, digits, dot, dash or underscore (at most 64)")
    .default("")
    .describe("this node's name in ura status, heartbeats and the metrics' node label; empty = the host name"),
  METRICS_HOST: z.string().default("127.0.0.1").describe("address ura ivr (running alone) serves /metrics on; ura api, ura start and ura whatsapp serve it on their own port"),
  METRICS_PORT: int(0, 65535).default(9464).describe("port of /metrics for ura ivr running alone; 0 = none. Two ura ivr on one host need one each: the second one's start fails naming this variable"),
  METRICS_ALLOWED_CLIENTS: addressList
    .default(["127.0.0.1", "::1"])
    .describe("IPs or CIDR ranges allowed to read METRICS_PORT (the API's and the WhatsApp service's own allow-lists cover theirs)"),

  // ── FastAGI server (src/agi) ───────────────────────────────────────────────
  AGI_HOST: z.string().default("127.0.0.1").describe("address the FastAGI server listens on"),
  AGI_PORT: port.default(4573).describe("FastAGI port (agi://host:PORT/ura in the dialplan)"),
  AGI_ALLOWED_PEERS: addressList
    .default(["127.0.0.1", "::1"])
    .describe("IPs or CIDR ranges allowed to open AGI connections (FastAGI has no authentication)"),
  AGI_COMMAND_TIMEOUT_MS: int(100, 3_600_000)
    .default(120_000)
    .describe("longest wait for Asterisk's reply to one AGI command before the call is ended"),
  AGI_MAX_CALLS: int(0, 100_000)
    .default(100)
    .describe("calls served at once by this node; more wait (silent, before their first command) for one to end. 0 = no bound"),
  AGI_MAX_CALL_SECONDS: int(10, 86_400).default(900).describe("hard limit on one call's time inside the IVR"),
  AGI_DRAIN_TIMEOUT_MS: int(0, 3_600_000)
    .default(60_000)
    .describe("on SIGTERM, how long calls in progress, and what they leave running (voice description uploads, call records), may go on before the process exits"),

  // ── ticket API (src/api) ────────────────────────────────────────────────────
  API_HOST: z.string().default("127.0.0.1").describe("address the HTTP API listens on"),
  API_PORT: port.default(8080).describe("HTTP API port"),
  API_TOKENS: z
    .string()
    .superRefine((spec, ctx) => {
      try {
        parseApiTokens(spec);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^API_TOKENS: /, "") });
      }
    })
    .default("")
    .describe(
      "named bearer tokens: name:scope+scope:secret,… (scopes: ivr, admin, web). Empty: ura start makes random ones in DATA_DIR/api-tokens.local",
    ),
  API_ALLOWED_CLIENTS: addressList
    .default(["127.0.0.1", "::1"])
    .describe("IPs or CIDR ranges allowed to call the API"),
  API_TRUST_PROXY: trustedProxies
    .default(false)
    .describe("reverse proxies whose X-Forwarded-For is believed: false (none), a hop count (1 = one proxy in front), or the proxies' IPs/CIDR ranges"),
  CONSOLE_SESSION_IDLE_MINUTES: int(5, 1440)
    .default(480)
    .describe("a console session ends after this many minutes without a request (sign in again)"),
  CONSOLE_SESSION_MAX_HOURS: int(1, 720).default(24).describe("a console session ends this many hours after sign-in, used or not"),
  CONSOLE_SIGNIN_MAX_FAILURES: int(1, 1000)
    .default(5)
    .describe("refused console sign-ins per user name within CONSOLE_SIGNIN_WINDOW_MINUTES before that name must wait (an address may fail 4 times as often)"),
  CONSOLE_SIGNIN_WINDOW_MINUTES: int(1, 1440).default(15).describe("the window CONSOLE_SIGNIN_MAX_FAILURES counts refused sign-ins in"),
  SITE_CODE: z
    .string()
    .regex(/^[0-9]{1,3}$/, "1 to 3 digits")
    .default("1")
    .describe("site number that prefixes protocol numbers, so protocols are unique per site"),

  // ── database ───────────────────────────────────────────────────────────────
  DB_DRIVER: z.enum(["sqlite", "mysql"]).default("sqlite").describe("sqlite (embedded default) or mysql (MySQL 8 / MariaDB 10.11)"),
  SQLITE_PATH: z.string().default("").describe("SQLite file; empty = DATA_DIR/ura.sqlite"),
  DATABASE_URL: z
    .string()
    .refine((u) => /^mysql:\/\/[^/\s]+/.test(u) && URL.canParse(u), "expected mysql://user:password@host:3306/database")
    .default("mysql://root@127.0.0.1:3306/ura")
    .describe("MySQL/MariaDB connection URL, used when DB_DRIVER=mysql"),
  DB_POOL_SIZE: int(1, 500).default(10).describe("MySQL connection pool size"),
  RETENTION_CALL_DAYS: int(1, 36_500).default(180).describe("days call records are kept before `ura purge` deletes them (LGPD)"),
  RETENTION_AUDIT_DAYS: int(1, 36_500).default(365).describe("days audit records are kept before `ura purge` deletes them (LGPD)"),
  RETENTION_RECORDING_DAYS: int(1, 36_500)
    .default(90)
    .describe("days voice descriptions (ticket attachments) and recordings of transferred calls are kept before `ura purge` deletes them (LGPD)"),

  // ── one-time codes ─────────────────────────────────────────────────────────
  OTP_SECRET: optionalSecret(32)
    .default("")
    .describe("HMAC key for stored one-time codes (≥32 chars); empty = generated once into DATA_DIR/otp-secret.local"),
  OTP_TTL_SECONDS: int(30, 600).default(300).describe("one-time code lifetime (NIST: never over 10 minutes)"),
  OTP_MAX_ATTEMPTS: int(1, 10).default(3).describe("wrong tries allowed per code"),
  OTP_MAX_FAILURES: int(1, 100)
    .default(10)
    .describe("wrong codes from one calling number (without one: for one user) within OTP_COOLDOWN_MINUTES before that number cools down"),
  OTP_COOLDOWN_MINUTES: int(1, 1440)
    .default(30)
    .describe("how long wrong codes count, and so the longest a cool-down lasts; it ends by itself (an admin's otp-reset ends it sooner)"),
  OTP_MAX_PER_HOUR: int(1, 100).default(5).describe("codes sent per user and per phone number in one hour"),
  IDENTIFY_MAX_PER_MINUTE: int(1, 1_000_000)
    .default(1200)
    .describe("identification lookups (/identify/code, /identify/caller) per API token and per client address in one minute; more get 429"),
  IDENTIFY_MAX_MISSES_PER_MINUTE: int(1, 1_000_000)
    .default(120)
    .describe("of those, lookups that found nobody (a guessed code, an unregistered calling number) per token and per address in one minute"),
  OTP_POLICY: z
    .enum(["by-origin", "always", "unregistered-only", "never"])
    .default("by-origin")
    .describe(
      "by-origin: the caller's own internal extension needs no one-time code, any other number needs user code + one-time code (rules per department/extension: docs/security.md); always; unregistered-only; never",
    ),

  // ── message sender (one-time code delivery) ────────────────────────────────
  SENDER_DRIVER: z.enum(["log", "venom", "cloud"]).default("log").describe("log (development: prints and writes DATA_DIR/outbox.jsonl), venom (ura whatsapp service) or cloud (WhatsApp Business Cloud API)"),
  SENDER_TIMEOUT_MS: int(100, 60_000).default(3000).describe("longest wait for the sender to accept a message"),
  WHATSAPP_URL: z.string().url().default("http://127.0.0.1:8090").describe("base URL of the ura whatsapp service (SENDER_DRIVER=venom)"),
  WHATSAPP_TOKEN: z.string().default("").describe("bearer token shared by the API and the ura whatsapp service"),
  WHATSAPP_CLOUD_URL: z.string().url().default("https://graph.facebook.com/v20.0").describe("Graph API base URL (SENDER_DRIVER=cloud)"),
  WHATSAPP_CLOUD_PHONE_ID: z.string().default("").describe("Cloud API phone-number id (SENDER_DRIVER=cloud)"),
  WHATSAPP_CLOUD_TOKEN: z.string().default("").describe("Cloud API access token (SENDER_DRIVER=cloud)"),

  // ── WhatsApp sender service (ura whatsapp) ─────────────────────────────────
  WHATSAPP_HOST: z.string().default("127.0.0.1").describe("address the ura whatsapp service listens on"),
  WHATSAPP_PORT: port.default(8090).describe("port of the ura whatsapp service"),
  WHATSAPP_ALLOWED_CLIENTS: addressList.default(["127.0.0.1", "::1"]).describe("IPs or CIDR ranges allowed to call the whatsapp service"),
  WHATSAPP_TRUST_PROXY: trustedProxies
    .default(false)
    .describe("reverse proxies in front of the whatsapp service whose X-Forwarded-For is believed: false, a hop count, or their IPs/CIDR ranges"),
  WHATSAPP_SESSION_DIR: z.string().default("").describe("venom session data; empty = DATA_DIR/whatsapp-session"),
  WHATSAPP_SESSION_NAME: z.string().default("ura").describe("venom session name"),
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium").describe("Chromium binary venom-bot drives (Debian package chromium)"),
  WHATSAPP_QUEUE_MAX: int(1, 100_000).default(500).describe("messages waiting while WhatsApp is down; more are refused"),
  WHATSAPP_PER_NUMBER_PER_MINUTE: int(1, 1000).default(3).describe("messages to one number per minute"),

  // ── text to speech and audio ───────────────────────────────────────────────
  TTS_ENGINE: z.enum(["espeak", "polly", "none"]).default("espeak").describe("espeak (offline default), polly (Amazon Polly) or none (no names spoken)"),
  TTS_VOICE: z.string().default("").describe("voice: Polly Camila/Vitoria/Thiago; espeak-ng pt-br variants. Empty = engine default"),
  TTS_ESPEAK_WPM: int(80, 450)
    .default(ESPEAK_DEFAULT_WPM)
    .describe("espeak-ng speed in words a minute (IVR prompts are spoken ~10 % faster than conversation; a caller hears every menu option at it: docs/audio.md); after a change run `ura sounds render`: names and catalogue sentences are synthesised again by themselves"),
  TTS_TIMEOUT_MS: int(100, 60_000).default(2500).describe("longest wait for one synthesis before the flow falls back"),
  TTS_CACHE_DIR: z.string().default("").describe("synthesised audio cache; empty = DATA_DIR/tts"),
  TTS_CACHE_KEY: optionalSecret(32)
    .default("")
    .describe("HMAC key naming the TTS cache's files and signing their /audio URLs (≥32 chars; the same on every host sharing the cache); empty = generated once into <TTS cache>/.cache-key"),
  TTS_CACHE_MAX_MB: int(1, 1_000_000).default(512).describe("cache size limit; oldest files are removed beyond it"),
  TTS_PREWARM_WAIT_MS: int(0, 600_000)
    .default(10_000)
    .describe("at start, how long the IVR waits for the catalogue's sentences to be synthesised before taking calls (the rest goes on in the background); 0 = do not wait"),
  TTS_CACHE_MAX_AGE_DAYS: int(1, 36_500).default(90).describe("cache entries unused this long are removed"),
  POLLY_ENGINE: z.enum(["standard", "neural"]).default("neural").describe("Polly engine"),
  POLLY_REGION: z.string().default("us-east-1").describe("AWS region for Polly (credentials come from the SDK default chain)"),
  POLLY_ENDPOINT: z.string().default("").describe("override the Polly endpoint (tests, VPC endpoints); empty = AWS default"),
  SOUNDS_DIR: z.string().default("").describe("prompt texts and rendered prompt audio; empty = the sounds/ directory shipped with ura-chamados"),
  AUDIO_MODE: z.enum(["path", "http"]).default("path").describe("how Asterisk reaches our audio: path (shared directory on the PBX host) or http (media cache URL)"),
  AUDIO_PBX_PATH: z.string().default("").describe("AUDIO_MODE=path: the directory as the PBX sees it; empty = same absolute path as here"),
  AUDIO_HTTP_BASE_URL: z.string().default("").describe("AUDIO_MODE=http: base URL the PBX fetches audio from, e.g. http://ivr:8080/audio"),

  // ── Asterisk Manager Interface (src/ami): screen-pop only to the technician whose phone rings ──
  ASTERISK_AMI_HOST: z
    .string()
    .default("")
    .describe("Asterisk manager (AMI) host for queue events; empty = no AMI (every technician sees the incoming-call card)"),
  ASTERISK_AMI_PORT: port.default(5038).describe("AMI port (manager.conf [general] port)"),
  ASTERISK_AMI_USER: z.string().default("").describe("AMI user from manager.conf (read = call,agent is enough; docs/console.md)"),
  ASTERISK_AMI_SECRET: z.string().default("").describe("that AMI user's secret"),
  QUEUE_LONG_CALLERS: int(0, 1000)
    .default(3)
    .describe("with AMI: from this many callers waiting in the technicians' queue (URA_QUEUE) a caller asking for a technician is offered a callback first; 0 = not by count"),
  QUEUE_LONG_HOLD_SECONDS: int(0, 86_400)
    .default(180)
    .describe("with AMI: the queue also counts as long when its average wait (Asterisk's HoldTime) or its longest current wait reaches this many seconds; 0 = not by time"),
  QUEUE_STATUS_TIMEOUT_MS: int(50, 10_000)
    .default(500)
    .describe("with AMI: how long the IVR waits for the queue's state before transferring as usual (never more than IVR_API_BUDGET_MS)"),

  // ── the call flow (src/ivr) ────────────────────────────────────────────────
  API_URL: z.string().url().default("http://127.0.0.1:8080").describe("where the IVR finds the ticket API"),
  API_TOKEN: z.string().default("").describe("the IVR's bearer token for the API (scope ivr); empty with ura start = the API's own ivr token, whose name the in-process IVR's audit rows carry"),
  IVR_API_BUDGET_MS: int(100, 60_000).default(3000).describe("longest silence a caller hears while the IVR waits on a dependency (API, sender, TTS): it stops waiting at 90 % of it, so the sentence that says why is heard by its end"),
  IVR_INPUT_TIMEOUT_MS: int(1000, 60_000).default(5000).describe("wait for a key after a prompt"),
  IVR_NO_INPUT_RETRIES: int(0, 10).default(2).describe("times a prompt is repeated after no input or an invalid key"),
  IVR_CODE_TRIES: int(1, 10).default(3).describe("tries for the user code and the ticket number"),
  IVR_RECORD_TRANSFERS: bool
    .default(true)
    .describe("tell callers sent to a technician that the call may be recorded, and set URA_RECORD=yes so the dialplan records it (MixMonitor)"),
  IVR_VOICE_DESCRIPTION: bool
    .default(true)
    .describe("after the service is chosen, the caller may describe the problem after a tone (RECORD FILE; any key skips it); the recording is attached to the ticket"),
  IVR_VOICE_MAX_SECONDS: int(5, 300).default(60).describe("longest voice description"),
  IVR_VOICE_SILENCE_SECONDS: int(1, 30).default(4).describe("seconds of silence that end a voice description (# ends it too)"),
  VOICE_DIR: z
    .string()
    .default("")
    .describe("where Asterisk writes voice descriptions (RECORD FILE) and the IVR reads them, sends them to the API and deletes them; empty = DATA_DIR/voice. The asterisk user must be able to write there"),
  VOICE_PBX_DIR: z.string().default("").describe("VOICE_DIR as the PBX sees it (NFS, a bind mount); empty = the same absolute path as here"),
  TRANSFER_RECORDINGS_DIR: z
    .string()
    .default("/var/spool/asterisk/monitor/ura")
    .describe("where the dialplan's MixMonitor writes transferred calls (<call id>.wav, URA_RECORDINGS), as this host sees it: the console serves them, `ura purge` deletes them past RETENTION_RECORDING_DAYS; empty = neither"),
  IVR_SURVEY: bool.default(true).describe("one satisfaction question (1 to 5, one key, skippable) at the end of a ticket or status call"),
  IVR_STATE_SECRET: z
    .string()
    .default("")
    .describe("HMAC key signing URA_USER between FreePBX step scripts (same on every IVR node); empty = derived from API_TOKEN, else random per process"),

  // ── where tickets live (GLPI) and who hears about them (Telegram, webhook) ─────
  TICKET_BACKEND: z
    .enum(["builtin", "glpi"])
    .default("builtin")
    .describe("where tickets live: builtin (this system's database) or glpi (GLPI's REST API, with a local outbox while GLPI is down)"),
  GLPI_URL: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol) && /\/apirest\.php\/?$/.test(new URL(u).pathname), "expected the base URL ending in apirest.php, e.g. https://glpi.example.gov.br/apirest.php")
    .default("")
    .describe("GLPI's REST API base URL, ending in apirest.php (docs/glpi.md)"),
  GLPI_APP_TOKEN: z.string().default("").describe("App-Token of the API client GLPI has for this host (Setup > General > API); empty if that client has none"),
  GLPI_USER_TOKEN: z.string().default("").describe("API token (remote access key) of the GLPI service account the IVR acts as"),
  GLPI_ENTITY_ID: glpiId.default("").describe("GLPI entity new tickets go to; empty = the service account's active entity"),
  GLPI_REQUEST_TYPE_ID: glpiId
    .default("")
    .describe('GLPI request type of tickets opened by phone; empty = the one named "Phone", looked up at start, else 3'),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .refine((t) => t === "" || /^[0-9]+:[A-Za-z0-9_-]{20,}$/.test(t), "expected a bot token as BotFather gives it (digits:letters)")
    .default("")
    .describe("Telegram bot token (BotFather): with TELEGRAM_CHAT_ID, every new ticket is announced in that chat"),
  TELEGRAM_CHAT_ID: z
    .string()
    .refine((c) => c === "" || /^(-?[0-9]+|@[A-Za-z0-9_]{5,})$/.test(c), "expected a numeric chat id (groups start with -) or @channelname")
    .default("")
    .describe("the IT team's Telegram chat (numeric id, or @channel)"),
  TELEGRAM_API_URL: z.string().url().default("https://api.telegram.org").describe("Telegram Bot API base URL (tests and proxies point it elsewhere)"),
  NOTIFY_WEBHOOK_URL: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "expected an http(s) URL")
    .default("")
    .describe("URL that receives every new ticket as a signed JSON POST (docs/glpi.md, section Notices)"),
  NOTIFY_WEBHOOK_SECRET: optionalSecret(32)
    .default("")
    .describe("HMAC-SHA256 key signing NOTIFY_WEBHOOK_URL posts (X-Ura-Signature header, ≥32 chars)"),
}).superRefine((settings, ctx) => {
  // Settings that only matter together: said at start-up, not at the first one-time code.
  if (settings.SENDER_DRIVER === "cloud") {
    for (const name of ["WHATSAPP_CLOUD_PHONE_ID", "WHATSAPP_CLOUD_TOKEN"] as const) {
      if (settings[name] === "") ctx.addIssue({ code: "custom", path: [name], message: "required when SENDER_DRIVER=cloud" });
    }
  }
  // AMI needs host, user and secret together: half of them would fail only at the first queue call.
  const ami = ["ASTERISK_AMI_HOST", "ASTERISK_AMI_USER", "ASTERISK_AMI_SECRET"] as const;
  const amiGiven = ami.filter((name) => settings[name] !== "");
  if (amiGiven.length > 0) {
    for (const name of ami) {
      if (settings[name] === "") ctx.addIssue({ code: "custom", path: [name], message: `required when ${amiGiven.join(" and ")} ${amiGiven.length > 1 ? "are" : "is"} set` });
    }
  }
  const needs = (name: SettingName, why: string) => {
    if (settings[name] === "") ctx.addIssue({ code: "custom", path: [name], message: `required ${why}` });
  };
  if (settings.TICKET_BACKEND === "glpi") {
    needs("GLPI_URL", "when TICKET_BACKEND=glpi");
    needs("GLPI_USER_TOKEN", "when TICKET_BACKEND=glpi");
  } else if (settings.GLPI_URL !== "") {
    // Half a GLPI set-up (ura users sync-glpi and ura doctor use it with either backend).
    needs("GLPI_USER_TOKEN", "when GLPI_URL is set");
  } else if (settings.GLPI_USER_TOKEN !== "" || settings.GLPI_APP_TOKEN !== "") {
    needs("GLPI_URL", "when GLPI_USER_TOKEN or GLPI_APP_TOKEN is set");
  }
  if (settings.TELEGRAM_BOT_TOKEN !== "" || settings.TELEGRAM_CHAT_ID !== "") {
    needs("TELEGRAM_BOT_TOKEN", "when TELEGRAM_CHAT_ID is set");
    needs("TELEGRAM_CHAT_ID", "when TELEGRAM_BOT_TOKEN is set");
  }
  if (settings.NOTIFY_WEBHOOK_URL !== "" || settings.NOTIFY_WEBHOOK_SECRET !== "") {
    needs("NOTIFY_WEBHOOK_URL", "when NOTIFY_WEBHOOK_SECRET is set");
    needs("NOTIFY_WEBHOOK_SECRET", "when NOTIFY_WEBHOOK_URL is set (receivers check the signature)");
  }
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingName = keyof Settings;

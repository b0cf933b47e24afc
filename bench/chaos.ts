/**
 * `npm run chaos` — the fault cases of issue 14, repeated against the real service, one line each:
 * `held` or `failed` and the figure that decided it, judged as a caller or a user would notice.
 *
 * - ura start (API + IVR in one process) on SQLite, the one-time codes going to a stand-in of
 *   `ura whatsapp` (its wire protocol, bench/chaos-support.ts):
 *   - flood of AGI lines: lines while a call waits for a slot, a 520 usage block that never ends,
 *     a blank or HTTP first line; held when each is closed by the server and RSS grows ≤ 64 MB;
 *   - slow sender: the sender accepts after 3.5 s (past SENDER_TIMEOUT_MS) and one user calls 12
 *     times for a code; held when at most OTP_MAX_PER_HOUR codes reached the phone;
 *   - big CSV import during calls: 200,000 rows through the admin API while callers open tickets;
 *     held when no caller heard more silence than the call's budget (IVR_API_BUDGET_MS).
 * - ura api + ura ivr on MariaDB, the API reaching MariaDB through a relay that can stall:
 *   - paused API (SIGSTOP) and paused database (the relay stops forwarding) just as the caller's
 *     key opens the ticket, for longer than the budget; held when there are 0 orphan tickets: every
 *     ticket of these calls was heard as a protocol by its caller, or is in the call's record.
 *
 * Exit status 1 when a case failed. Runs in about three minutes. See docs/security.md.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { placeCall, type CallResult, type Caller } from "../src/emulator/asterisk-emulator.js";
import { CodeRequester, heardDigits, ParkedCaller, RssPeak, SenderStandIn, sleep, StallProxy, TicketCaller } from "./chaos-support.js";
import { createDatabase, dropDatabase } from "./db.js";
import { createBenchUsers } from "./fixtures.js";
import { benchUsers, UserPool, type BenchUser } from "./scenario.js";
import { benchServiceEnv, build, freePort, startService, waitForPort, type Service } from "./service.js";

/** What decided a case: held or not, and the figure a person would read. */
interface Verdict {
  held: boolean;
  figure: string;
}

interface Case {
  name: string;
  run(site: Site): Promise<Verdict>;
}

/** One running deployment the cases act on. */
interface Site {
  agiPort: number;
  apiUrl: string;
  adminToken: string;
  sender: SenderStandIn;
  /** Users the callers take turns with; `reserved` is kept out of the pool for the slow-sender case. */
  pool: UserPool;
  reserved: BenchUser;
  /** The process answering the API, and the one running the IVR (the same under `ura start`). */
  apiPid: number;
  ivrPid: number;
  budgetMs: number;
  maxCalls: number;
  otpPerHour: number;
  dbProxy: StallProxy | null;
  /** Tickets and call records of the given call ids, read from the database itself. */
  records(callIds: string[]): Promise<{ tickets: { protocol: string; callId: string }[]; calls: Map<string, string | null> }>;
}

const BUDGET_MS = 3000;
const OTP_PER_HOUR = 5;
const MAX_CALLS = 8;
const IMPORT_ROWS = 200_000;
const FLOOD_CAP_BYTES = 128 * 1024 * 1024;
const RSS_GROWTH_LIMIT_MB = 64;

const t0 = Date.now();
const progress = (msg: string) => process.stderr.write(`chaos [${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`);

// ── the cases ────────────────────────────────────────────────────────────────────────────────

async function floodCase(site: Site): Promise<Verdict> {
  // Every slot taken by calls parked at the greeting, so the next call waits for one.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const parked = Array.from({ length: site.maxCalls }, () => new ParkedCaller(released));
  let rss: RssPeak | null = null;
  const parkedCalls = parked.map((caller, i) => placeCall({ port: site.agiPort, callerId: "39999", uniqueId: `chaos.park.${i}`, caller, hangupAfterIdleMs: 60_000 }));
  try {
    const deadline = Date.now() + 30_000;
    while (parked.some((c) => !c.parked) && Date.now() < deadline) await sleep(50);
    if (parked.some((c) => !c.parked)) throw new Error(`only ${parked.filter((c) => c.parked).length} of ${site.maxCalls} calls reached the greeting`);
    // From here on, what the service holds is what the flood makes it hold.
    rss = new RssPeak(site.ivrPid);

    progress("flood: lines while waiting for a slot");
    const waiting = await rawConnect(site.agiPort);
    waiting.write(envBlock(site.agiPort, "chaos.flood.waiting"));
    const early = await floodUntilClosed(waiting, "x\n".repeat(32 * 1024));

    progress("flood: blank and HTTP first lines");
    const started = Date.now();
    const firstLines = await Promise.all(
      ["\n", "GET / HTTP/1.1\r\nHost: ivr\r\n\r\n"].map(async (text) => {
        const s = await rawConnect(site.agiPort);
        s.write(text);
        return closedWithin(s, 10_000);
      }),
    );
    const firstLineS = (Date.now() - started) / 1000;

    release();
    await Promise.allSettled(parkedCalls);
    progress("flood: a 520 usage block that never ends");
    const call = await rawConnect(site.agiPort);
    call.write(envBlock(site.agiPort, "chaos.flood.usage"));
    await firstLine(call, 10_000);
    call.write("520-Invalid command syntax.  Proper usage follows:\n");
    const usage = await floodUntilClosed(call, "Usage: STREAM FILE <filename> <escape_digits> [sample offset]\n".repeat(1000));

    const { growthMb } = rss.stop();
    // The service still answers calls afterwards.
    const after = await placeCall({ port: site.agiPort, callerId: "39999", uniqueId: "chaos.flood.after", caller: new ParkedCaller(Promise.resolve()), hangupAfterIdleMs: 30_000 });
    const served = after.heard.length > 0;
    const closedAll = early.closed && usage.closed && firstLines.every(Boolean);
    const held = closedAll && growthMb <= RSS_GROWTH_LIMIT_MB && served;
    return {
      held,
      figure:
        `RSS +${growthMb.toFixed(0)} MB (limit ${RSS_GROWTH_LIMIT_MB}); lines while waiting: ${early.closed ? "closed" : "NOT closed"} after ${kb(early.sentBytes)} written; ` +
        `endless 520 block: ${usage.closed ? "closed" : "NOT closed"} after ${kb(usage.sentBytes)} written; blank/HTTP first line: ${firstLines.every(Boolean) ? `dropped in ${firstLineS.toFixed(1)} s` : "still open after 10 s"}` +
        (served ? "" : "; the next call was NOT served"),
    };
  } finally {
    release();
    rss?.stop();
    await Promise.allSettled(parkedCalls);
  }
}

async function slowSenderCase(site: Site): Promise<Verdict> {
  const calls = 12;
  const user = site.reserved;
  const since = Date.now();
  site.sender.delayMs = 3500;
  try {
    for (let batch = 0; batch < calls / 4; batch++) {
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          placeCall({ port: site.agiPort, callerId: "39998", uniqueId: `chaos.slow.${batch}.${i}`, caller: new CodeRequester(user), hangupAfterIdleMs: 30_000 }),
        ),
      );
    }
    // Requests still in the sender stand-in's hands have arrived already; let their answers go.
    await sleep(site.sender.delayMs);
  } finally {
    site.sender.delayMs = 0;
  }
  const reached = site.sender.to(user.phone, since).length;
  return { held: reached <= site.otpPerHour, figure: `${reached} one-time codes reached one phone in ${calls} calls (cap ${site.otpPerHour} an hour)` };
}

async function importCase(site: Site): Promise<Verdict> {
  const silences: { from: number; to: number }[] = [];
  let stop = false;
  let completed = 0;
  const callerLoop = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const user = site.pool.take();
      const startedAt = Date.now();
      try {
        const r = await placeCall({ port: site.agiPort, callerId: user.callerId, uniqueId: `chaos.import.${n}.${i}`, caller: new TicketCaller(user, site.sender, startedAt), hangupAfterIdleMs: 60_000 });
        for (const c of r.commands) silences.push({ from: startedAt + c.at - c.thinkMs, to: startedAt + c.at });
        if (r.variables.URA_RESULT === "ticket") completed++;
      } finally {
        site.pool.give(user);
      }
    }
  };
  const loops = Array.from({ length: 4 }, (_, n) => callerLoop(n));
  try {
    await sleep(3000);
    progress(`import: posting ${IMPORT_ROWS} rows while 4 callers open tickets`);
    const from = Date.now();
    const res = await fetch(`${site.apiUrl}/api/v1/admin/users/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${site.adminToken}`, "content-type": "text/csv" },
      body: importCsv(IMPORT_ROWS),
      signal: AbortSignal.timeout(180_000),
    });
    await res.arrayBuffer();
    const to = Date.now();
    const before = completed;
    await sleep(2000);
    stop = true;
    await Promise.all(loops);
    const during = silences.filter((s) => s.to >= from && s.from <= to);
    const maxDeadAir = Math.max(0, ...during.map((s) => s.to - s.from));
    const importS = ((to - from) / 1000).toFixed(1);
    if (!res.ok) return { held: false, figure: `the import was refused (${res.status}) after ${importS} s` };
    return {
      held: maxDeadAir <= site.budgetMs && during.length > 0,
      figure: `max dead air ${maxDeadAir} ms over ${during.length} silences during the ${importS} s import (budget ${site.budgetMs} ms); ${before} tickets opened by then`,
    };
  } finally {
    stop = true;
    await Promise.allSettled(loops);
  }
}

/** A fault injected just as the caller's key opens the ticket, held for longer than the IVR waits. */
async function orphanCase(site: Site, label: string, fault: { start(): void; end(): void }): Promise<Verdict> {
  const calls = 2;
  const outcomes: { callId: string; result: CallResult; injected: boolean }[] = [];
  for (let i = 0; i < calls; i++) {
    const user = site.pool.take();
    const callId = `chaos.${label}.${Date.now()}.${i}`;
    let injected = false;
    let ended: Promise<void> = Promise.resolve();
    const caller: Caller = new TicketCaller(user, site.sender, Date.now(), async () => {
      injected = true;
      fault.start();
      ended = sleep(site.budgetMs + 1500).then(() => fault.end());
    });
    try {
      const result = await placeCall({ port: site.agiPort, callerId: user.callerId, uniqueId: callId, caller, hangupAfterIdleMs: 60_000 });
      outcomes.push({ callId, result, injected });
    } finally {
      await ended;
      fault.end();
      site.pool.give(user);
    }
  }
  // What was held back now completes: give it time to commit before counting.
  await sleep(3000);
  const missed = outcomes.filter((o) => !o.injected);
  if (missed.length > 0) {
    const heard = missed[0]!.result.heard.slice(-4).join(" → ");
    return { held: false, figure: `could not reach the ticket opening in ${missed.length} of ${calls} calls (last prompts: ${heard})` };
  }
  const { tickets, calls: records } = await site.records(outcomes.map((o) => o.callId));
  let heard = 0;
  let recorded = 0;
  let orphans = 0;
  for (const t of tickets) {
    const o = outcomes.find((x) => x.callId === t.callId)!;
    if (heardDigits(o.result.heard, t.protocol)) heard++;
    else if (records.get(t.callId) === t.protocol) recorded++;
    else orphans++;
  }
  const deadAir = Math.max(...outcomes.flatMap((o) => o.result.commands.map((c) => c.thinkMs)));
  return {
    held: orphans === 0,
    figure: `${orphans} orphan tickets (${calls} calls, ${tickets.length} tickets: ${heard} heard, ${recorded} in the call record only); max dead air ${deadAir} ms`,
  };
}

// ── the deployments ──────────────────────────────────────────────────────────────────────────

interface Common {
  dataDir: string;
  ivrToken: string;
  adminToken: string;
  sender: SenderStandIn;
  users: BenchUser[];
}

function serviceEnv(c: Common, agiPort: number, apiPort: number): NodeJS.ProcessEnv {
  return {
    ...benchServiceEnv({ agiPort, apiPort, dataDir: c.dataDir, apiTokens: `ivr:ivr:${c.ivrToken},chaos:admin:${c.adminToken}`, ivrToken: c.ivrToken }),
    SENDER_DRIVER: "venom",
    WHATSAPP_URL: `http://127.0.0.1:${c.sender.port}`,
    WHATSAPP_TOKEN: c.sender.token,
    // Names are not what is under test: no synthesis, so no engine time inside the silences.
    TTS_ENGINE: "none",
    AGI_MAX_CALLS: String(MAX_CALLS),
    IVR_API_BUDGET_MS: String(BUDGET_MS),
    OTP_MAX_PER_HOUR: String(OTP_PER_HOUR),
  };
}

async function started(service: Service, ports: number[]): Promise<void> {
  for (const port of ports) await waitForPort(port, 60_000, () => service.alive());
}

/** `ura start` on SQLite. */
async function withSingle(c: Common, run: (site: Site) => Promise<void>): Promise<void> {
  const [agiPort, apiPort] = [await freePort(), await freePort()];
  const service = startService(serviceEnv(c, agiPort, apiPort), [], "start");
  try {
    await started(service, [agiPort, apiPort]);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await createBenchUsers(apiUrl, c.adminToken, c.users);
    const { default: Database } = await import("better-sqlite3");
    await run({
      ...siteBase(c, agiPort, apiUrl, service.pid, service.pid),
      dbProxy: null,
      async records(callIds) {
        const db = new Database(join(c.dataDir, "ura.sqlite"), { readonly: true, fileMustExist: true });
        try {
          const marks = callIds.map(() => "?").join(",");
          const tickets = db.prepare(`SELECT protocol, call_id AS callId FROM tickets WHERE call_id IN (${marks})`).all(...callIds) as { protocol: string; callId: string }[];
          const calls = db.prepare(`SELECT call_id AS callId, ticket_protocol AS protocol FROM calls WHERE call_id IN (${marks})`).all(...callIds) as { callId: string; protocol: string | null }[];
          return { tickets, calls: new Map(calls.map((r) => [r.callId, r.protocol])) };
        } finally {
          db.close();
        }
      },
    });
  } finally {
    const exit = await service.stop(10_000);
    if (exit.killed || exit.code !== 0) progress(`ura start exited badly (${JSON.stringify(exit)}): ${service.output().trim().split("\n").slice(-3).join(" | ")}`);
  }
}

/** `ura api` + `ura ivr` on a fresh MariaDB database, the API reaching it through a StallProxy. */
async function withSplit(c: Common, run: (site: Site) => Promise<void>): Promise<void> {
  const db = await createDatabase();
  const proxy = new StallProxy({ host: "127.0.0.1", port: 3306 });
  await proxy.listen();
  const [agiPort, apiPort] = [await freePort(), await freePort()];
  const env = { ...serviceEnv(c, agiPort, apiPort), DB_DRIVER: "mysql", DATABASE_URL: db.url.replace(":3306/", `:${proxy.port}/`) };
  const api = startService(env, [], "api");
  let ivr: Service | null = null;
  try {
    await started(api, [apiPort]);
    ivr = startService(env, [], "ivr");
    await started(ivr, [agiPort]);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await createBenchUsers(apiUrl, c.adminToken, c.users);
    const mysql = await import("mysql2/promise");
    await run({
      ...siteBase(c, agiPort, apiUrl, api.pid, ivr.pid),
      dbProxy: proxy,
      async records(callIds) {
        const conn = await mysql.createConnection(db.url);
        try {
          const [tickets] = await conn.query("SELECT protocol, call_id AS callId FROM tickets WHERE call_id IN (?)", [callIds]);
          const [calls] = await conn.query("SELECT call_id AS callId, ticket_protocol AS protocol FROM calls WHERE call_id IN (?)", [callIds]);
          return {
            tickets: tickets as { protocol: string; callId: string }[],
            calls: new Map((calls as { callId: string; protocol: string | null }[]).map((r) => [r.callId, r.protocol])),
          };
        } finally {
          await conn.end();
        }
      },
    });
  } finally {
    try {
      process.kill(api.pid, "SIGCONT");
    } catch {
      // already gone
    }
    proxy.resume();
    await ivr?.stop(10_000);
    await api.stop(10_000);
    await proxy.close();
    await dropDatabase(db.name).catch((err: unknown) => progress(`drop database ${db.name}: ${(err as Error).message}`));
  }
}

function siteBase(c: Common, agiPort: number, apiUrl: string, apiPid: number, ivrPid: number): Omit<Site, "records" | "dbProxy"> {
  const [reserved, ...rest] = c.users;
  return {
    agiPort,
    apiUrl,
    adminToken: c.adminToken,
    sender: c.sender,
    pool: new UserPool(rest),
    reserved: reserved!,
    apiPid,
    ivrPid,
    budgetMs: BUDGET_MS,
    maxCalls: MAX_CALLS,
    otpPerHour: OTP_PER_HOUR,
  };
}

// ── raw AGI peers ────────────────────────────────────────────────────────────────────────────

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1" });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
    s.on("error", () => undefined);
  });
}

function envBlock(port: number, uniqueId: string): string {
  const vars: [string, string][] = [
    ["agi_network", "yes"],
    ["agi_network_script", "ura"],
    ["agi_request", `agi://127.0.0.1:${port}/ura`],
    ["agi_channel", "PJSIP/chaos-00000001"],
    ["agi_uniqueid", uniqueId],
    ["agi_callerid", "39997"],
  ];
  return vars.map(([k, v]) => `${k}: ${v}\n`).join("") + "\n";
}

function firstLine(s: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("no AGI command from the service")), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const nl = text.indexOf("\n");
      if (nl === -1) return;
      clearTimeout(timer);
      s.off("data", onData);
      resolve(text.slice(0, nl));
    };
    s.on("data", onData);
  });
}

function closedWithin(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, ms);
    s.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Writes `chunk` over and over until the service closes the connection or FLOOD_CAP_BYTES have gone. */
async function floodUntilClosed(s: Socket, chunk: string): Promise<{ closed: boolean; sentBytes: number }> {
  let sentBytes = 0;
  let closed = false;
  s.once("close", () => (closed = true));
  s.resume(); // whatever the service writes is read and dropped
  while (!closed && sentBytes < FLOOD_CAP_BYTES) {
    const ok = await new Promise<boolean>((resolve) => s.write(chunk, (err) => resolve(!err)));
    if (!ok) break;
    sentBytes += chunk.length;
  }
  const byService = (await closedWithin(s, 5000)) && sentBytes < FLOOD_CAP_BYTES;
  return { closed: byService, sentBytes };
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : `${(bytes / 1024).toFixed(0)} kB`;
}

/** Brazilian Excel-style user list: code, name, a distinct valid mobile, department. */
function importCsv(rows: number): string {
  const lines = ["code,name,phone,department"];
  for (let i = 0; i < rows; i++) lines.push(`${2_000_000 + i},Pessoa Importada ${i},+55459${70_000_000 + i},Importação`);
  return `${lines.join("\n")}\n`;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────

/** Each deployment with the cases run against it, in order. */
const PLAN: { deployment: string; deploy: typeof withSingle; cases: Case[] }[] = [
  {
    deployment: "ura start on SQLite",
    deploy: withSingle,
    cases: [
      { name: "flood of AGI lines", run: floodCase },
      { name: "slow sender (accepts after 3.5 s)", run: slowSenderCase },
      { name: "200,000-row CSV import during calls", run: importCase },
    ],
  },
  {
    deployment: "ura api + ura ivr on MariaDB behind a stalling relay",
    deploy: withSplit,
    cases: [
      {
        name: "paused API at ticket opening",
        run: (site) => orphanCase(site, "api", { start: () => process.kill(site.apiPid, "SIGSTOP"), end: () => process.kill(site.apiPid, "SIGCONT") }),
      },
      { name: "paused database at ticket opening", run: (site) => orphanCase(site, "db", { start: () => site.dbProxy!.stall(), end: () => site.dbProxy!.resume() }) },
    ],
  },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { case: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    process.stdout.write(`usage: npm run chaos [-- --case <part of a case name>]\ncases: ${PLAN.flatMap((p) => p.cases.map((c) => c.name)).join("; ")}\n`);
    return;
  }
  const only = values.case?.toLowerCase();
  await build();
  const secret = () => randomBytes(24).toString("base64url");
  const sender = new SenderStandIn(secret());
  await sender.listen();
  let held = 0;
  let failed = 0;
  const report = (name: string, v: Verdict) => {
    if (v.held) held++;
    else failed++;
    process.stdout.write(`${name.padEnd(38)} ${v.held ? "held  " : "failed"}  ${v.figure}\n`);
  };
  try {
    for (const { deployment, deploy, cases } of PLAN) {
      const chosen = cases.filter((c) => !only || c.name.toLowerCase().includes(only));
      if (chosen.length === 0) continue;
      progress(deployment);
      const dataDir = await mkdtemp(join(tmpdir(), "ura-chaos-"));
      const done = new Set<string>();
      try {
        await deploy({ dataDir, ivrToken: secret(), adminToken: secret(), sender, users: benchUsers(300) }, async (site) => {
          for (const c of chosen) {
            progress(`case: ${c.name}`);
            const verdict = await c.run(site).catch((err: unknown): Verdict => ({ held: false, figure: `could not run: ${(err as Error).message}` }));
            done.add(c.name);
            report(c.name, verdict);
          }
        });
      } catch (err) {
        // The deployment itself failed (did not start, or stopping it failed): its cases did not run.
        for (const c of chosen.filter((x) => !done.has(x.name))) report(c.name, { held: false, figure: `could not run: ${(err as Error).message}` });
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await sender.close();
  }
  process.stdout.write(`${held} held, ${failed} failed in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { question, ScriptedCaller } from "../support/callers.js";
import { dial, realBackend, startIvr, type IvrUnderTest } from "../support/scenario.js";

/**
 * Issue 14 item 2: importing 200,000 users froze the event loop for 9.6 s, and a caller at the
 * user-code step heard 8.46 s of silence. Here the IVR and the API share one process, as under
 * `ura start`, and callers keep opening tickets while an admin imports 200,000 rows, or purges
 * two million old call records, through the API: the longest silence any of them hears stays
 * within the call's budget.
 */
const ROWS = 200_000;
const PURGE_ROWS = 2_000_000;
const BUDGET_MS = 3000;
const ADMIN_TOKEN = "import-admin-token-0123456789";

function bigCsv(rows: number): string {
  const lines = ["code,name,phone,department"];
  for (let i = 0; i < rows; i++) lines.push(`${2_000_000 + i},Pessoa Importada ${i},+55459${70_000_000 + i},Importação`);
  return `${lines.join("\n")}\n`;
}

describe("bulk work while calls go on (SQLite, one process)", () => {
  let backend: Awaited<ReturnType<typeof realBackend>>;
  let ivr: IvrUnderTest;
  beforeAll(async () => {
    backend = await realBackend("sqlite", {
      timeoutMs: BUDGET_MS,
      settings: { API_TOKENS: `ivr:ivr:scenario-ivr-token-0123456789,admin:admin:${ADMIN_TOKEN}` },
    });
    ivr = await startIvr({ api: backend.api, clock: backend.clock, settings: { IVR_API_BUDGET_MS: String(BUDGET_MS) } });
  }, 120_000);
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
  });

  /**
   * Runs `work` while two callers keep calling, one after the other, and answers the silences they
   * heard while it ran (and how many tickets they opened meanwhile).
   */
  async function duringCalls<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; silences: number[]; tickets: number }> {
    const silences: { from: number; to: number }[] = [];
    let tickets = 0;
    let stop = false;
    // One caller types a user code and a one-time code (the step where the caller waited);
    // the other calls from her own extension, where nothing is asked to identify her.
    const byCode = () =>
      new ScriptedCaller()
        .on("main-menu").press("1")
        .on("ask-user-code").press("5678#")
        .on("ask-otp").press(async () => `${await backend.lastCode("5678")}#`)
        .on(question("service-menu")).press("2")
        .on(question("sub-menu")).press("1")
        .on("protocol-repeat").press("2");
    const fromExtension = () =>
      new ScriptedCaller()
        .on("main-menu").press("1")
        .on(question("service-menu")).press("6")
        .on("protocol-repeat").press("2");
    const callerLoop = async (call: () => Parameters<typeof dial>[1]) => {
      while (!stop) {
        const startedAt = Date.now();
        const result = await dial(ivr, call());
        // Each command's think time is dead air: from the caller's last reply to the IVR's next command.
        for (const c of result.commands) silences.push({ from: startedAt + c.at - c.thinkMs, to: startedAt + c.at });
        if (result.variables.URA_RESULT === "ticket") tickets++;
      }
    };
    const loops = [
      callerLoop(() => ({ caller: byCode(), callerId: "4532100001" })),
      callerLoop(() => ({ caller: fromExtension(), callerId: "1001", channel: "PJSIP/1001-0000002a" })),
    ];
    try {
      // Let the calls get going first.
      while (silences.length < 4) await new Promise((r) => setTimeout(r, 50));
      const before = tickets;
      const from = Date.now();
      const result = await work();
      const to = Date.now();
      const opened = tickets - before;
      // A call's silences are known when it ends: let the calls in progress finish.
      stop = true;
      await Promise.all(loops);
      const during = silences.filter((s) => s.to >= from && s.from <= to).map((s) => s.to - s.from);
      return { result, ms: to - from, silences: during, tickets: opened };
    } finally {
      stop = true;
      await Promise.allSettled(loops);
    }
  }

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${backend.apiUrl}/api/v1/admin${path}`, { method: "POST", ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });

  it("no caller hears more silence than the call's budget while a 200,000-row import runs", { timeout: 600_000 }, async () => {
    const body = bigCsv(ROWS);
    const { result, ms, silences, tickets } = await duringCalls(async () => {
      const res = await admin("/users/import", { headers: { "content-type": "text/csv" }, body });
      return { status: res.status, report: (await res.json()) as { created: number; rejected: unknown[] } };
    });
    expect(result.status).toBe(200);
    expect(result.report).toMatchObject({ created: ROWS, rejected: [] });
    // The calls went on during the import (not only before or after it)...
    expect(silences.length, `silences during the ${ms} ms import`).toBeGreaterThan(10);
    expect(tickets).toBeGreaterThan(0);
    // ...and none of their silences outlasted the budget the IVR gives any dependency.
    expect(Math.max(...silences), `longest silence during the ${ms} ms import`).toBeLessThanOrEqual(BUDGET_MS);
  });

  it("nor while a purge deletes 2,000,000 old call records", { timeout: 600_000 }, async () => {
    // Seeded straight into the table: years-old calls, as a site that never purged would have.
    await backend.store.db.run(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${PURGE_ROWS})
       INSERT INTO calls (call_id, caller_number, outcome, step, started_at, duration_ms, created_at, updated_at)
       SELECT 'old.' || i, '+5545999' || i, 'abandoned', 'menu', '2020-01-01 00:00:00.000', 1000, '2020-01-01 00:00:00.000', '2020-01-01 00:00:00.000' FROM n`,
    );
    const { result, ms, silences } = await duringCalls(async () => {
      const res = await admin("/purge");
      return { status: res.status, report: (await res.json()) as { calls: number } };
    });
    expect(result.status).toBe(200);
    expect(result.report.calls).toBeGreaterThanOrEqual(PURGE_ROWS);
    expect(silences.length, `silences during the ${ms} ms purge`).toBeGreaterThan(0);
    expect(Math.max(...silences), `longest silence during the ${ms} ms purge`).toBeLessThanOrEqual(BUDGET_MS);
  });
});

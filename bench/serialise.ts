/**
 * `node --import tsx bench/serialise.ts` — CPU to write the seven answers one IVR call gets from the
 * ticket API (identify, one-time code, verify, catalogue, hours, ticket, call record), per way of
 * writing them: plain JSON.stringify (what the API did before issue 10, unchecked), zod encode then
 * JSON.stringify (what fastify-type-provider-zod does now), and zod parse then JSON.stringify.
 * The answers are real ones, taken from the API over a fresh SQLite database. See docs/performance.md.
 */
import { z } from "zod";
import { openTestApi } from "../test/api/helper.js";
import * as C from "../src/api/contract.js";

const P = C.API_PREFIX;
const N = 20_000;

const api = await openTestApi("sqlite", `bench-serialise-${process.pid}`);
try {
  await api.call("POST", `${P}/admin/users`, { body: { code: "5000", name: "Ana Souza", phone: "(45) 99911-1111" } });
  const answer = async (method: "GET" | "POST", url: string, body?: unknown) => (await api.call(method, url, { token: "ivr", body })).json() as unknown;
  const answers: [string, z.ZodType, unknown][] = [
    ["identify", C.identifyByCodeResponse, await answer("POST", `${P}/identify/code`, { code: "5000" })],
    ["otp", C.otpRequestResponse, await answer("POST", `${P}/otp/request`, { userCode: "5000" })],
    ["verify", C.otpVerifyResponse, await answer("POST", `${P}/otp/verify`, { userCode: "5000", code: api.nextCode.value })],
    ["catalogue", C.catalogueResponse, await answer("GET", `${P}/catalogue`)],
    ["hours", C.hoursResponse, await answer("GET", `${P}/hours`)],
    ["ticket", C.openTicketResponse, await answer("POST", `${P}/tickets`, { userCode: "5000", serviceId: 202, source: "phone", callId: "c1" })],
    ["call", C.recordCallResponse, await answer("POST", `${P}/calls`, { callId: "c1", callerNumber: null, userCode: "5000", outcome: "ticket", step: null, ticketProtocol: null, startedAt: "2025-06-02T13:00:00Z", durationMs: 1 })],
  ];

  /** µs of CPU per run of f, after a warm-up. */
  const cpu = (f: () => void) => {
    for (let i = 0; i < 2000; i++) f();
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) f();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / N;
  };
  const ways = {
    stringify: (_s: z.ZodType, d: unknown) => JSON.stringify(d),
    "zod encode": (s: z.ZodType, d: unknown) => JSON.stringify(z.safeEncode(s, d as never).data),
    "zod parse": (s: z.ZodType, d: unknown) => JSON.stringify(s.safeParse(d).data),
  };
  const total: Record<string, number> = {};
  const row = (name: string, cells: Record<string, number>) => console.log(name.padEnd(10), Object.entries(cells).map(([k, v]) => `${k} ${v.toFixed(1).padStart(5)} µs`).join("   "));
  for (const [name, schema, data] of answers) {
    const cells: Record<string, number> = {};
    for (const [way, f] of Object.entries(ways)) {
      cells[way] = cpu(() => f(schema, data));
      total[way] = (total[way] ?? 0) + cells[way]!;
    }
    row(name, cells);
  }
  row("one call", total);
} finally {
  await api.close();
}

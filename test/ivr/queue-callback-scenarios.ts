import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { queueSummariesFromSettings, type QueueSummarySource } from "../../src/ami/index.js";
import { testSettings } from "../../src/config/index.js";
import type { Store } from "../../src/domain/index.js";
import { startAmiStandIn, type AmiStandIn } from "../support/ami-stand-in.js";
import { ScriptedCaller } from "../support/callers.js";
import { FakeSpeech, dial, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";

const USER = "ura-ivr";
const SECRET = "ami-secret-queue-0123456789";
/** The shipped dialplan's ura-settings sets it on every call (docs/freepbx.md). */
const QUEUE = "400";

/**
 * Issue 13's callback when the technicians' queue is long: through the Asterisk emulator, with the
 * AMI stand-in answering QueueSummary as app_queue does, against the real API over HTTP (SQLite and
 * MariaDB). Business hours throughout: out of hours is menu-scenarios' callback.
 */
export function queueCallbackScenarios(makeBackend: () => Promise<Backend & { store: Store }>): void {
  let backend: Backend & { store: Store };
  let ami: AmiStandIn;
  let queue: QueueSummarySource;
  let ivr: IvrUnderTest;

  beforeAll(async () => {
    backend = await makeBackend();
    ami = await startAmiStandIn({ username: USER, secret: SECRET });
    queue = queueSummariesFromSettings(
      testSettings({
        ASTERISK_AMI_HOST: "127.0.0.1",
        ASTERISK_AMI_PORT: String(ami.port),
        ASTERISK_AMI_USER: USER,
        ASTERISK_AMI_SECRET: SECRET,
        // Longer than the silence budget: the budget must be what stops the wait.
        QUEUE_STATUS_TIMEOUT_MS: String(backend.budgetMs + 2000),
      }),
    )!;
    queue.start();
    await ami.waitForLogins(1);
    ivr = await startIvr({
      api: backend.api,
      speech: new FakeSpeech(),
      clock: () => backend.clock(),
      queue,
      settings: { IVR_API_BUDGET_MS: String(backend.budgetMs), QUEUE_LONG_CALLERS: "3", QUEUE_LONG_HOLD_SECONDS: "180" },
    });
  });
  afterAll(async () => {
    await ivr?.close();
    await queue?.close();
    await ami?.close();
    await backend?.close();
  });
  beforeEach(async () => {
    await backend.setHours("open");
    ami.ignoreQueueSummary(false);
    ami.setQueue(QUEUE, { Callers: 0, HoldTime: 20, LongestHoldTime: 0, LoggedIn: 2, Available: 2 });
  });

  /** Maria from her own extension, in the dialplan that names the queue. */
  const fromExtension = (channel: string) => ({ callerId: "1001", channel, variables: { URA_QUEUE: QUEUE } });

  it("a long queue (4 waiting): 1 asks for a callback, the ticket opens as usual and carries it, with the number and why, for the technicians", async () => {
    ami.setQueue(QUEUE, { Callers: 4, HoldTime: 95, LongestHoldTime: 130, LoggedIn: 2, Available: 0 });
    const caller = new ScriptedCaller()
      .on("main-menu").press("3")
      .on("offer-queue-callback").press("1")
      .on("service-menu").press("6")
      .on("protocol-repeat").press("2");
    const call = await dial(ivr, { caller, ...fromExtension("PJSIP/1001-00000031") });
    // Every scripted answer was asked for: the call took the own-extension path the test names.
    expect(caller.unused()).toEqual([]);
    expect(ami.actions.filter((a) => a.Action === "QueueSummary").at(-1)).toMatchObject({ Queue: QUEUE });
    expect(call.heard).toContain("queue-long");
    expect(call.heard.filter((p) => p.startsWith("transferring"))).toEqual([]);
    expect(call.variables.URA_RESULT).toBe("ticket");
    const protocol = call.variables.URA_TICKET!;
    const i = call.heard.indexOf("callback-registered");
    expect(call.heard.slice(i, i + 6)).toEqual(["callback-registered", "digit-1", "digit-0", "digit-0", "digit-1", "protocol-repeat"]);
    expect(call.heard.indexOf("ticket-opened")).toBeLessThan(i);
    // What the technicians' console lists and counts (store.callbacks: the ticket row and "Pedidos de retorno pendentes").
    expect((await backend.store.callbacks.forTickets([protocol])).get(protocol)).toMatchObject({ number: "1001", reason: "queue" });
    expect(await backend.store.callbacks.pending()).toBeGreaterThanOrEqual(1);
  });

  it("a long wait alone counts too (HoldTime 200 s with 1 waiting); 2 or silence waits in the queue: transferred, no callback", async () => {
    ami.setQueue(QUEUE, { Callers: 1, HoldTime: 200, LongestHoldTime: 30 });
    const waits = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3").on("offer-queue-callback").press("2"), ...fromExtension("PJSIP/1001-00000032") });
    expect(waits.heard).toContain("offer-queue-callback");
    expect(waits.variables.URA_RESULT).toBe("transfer");
    expect(waits.heard.at(-1)).toMatch(/^transferring/);

    const silent = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3"), ...fromExtension("PJSIP/1001-00000033") });
    expect(silent.heard).toContain("offer-queue-callback");
    expect(silent.variables.URA_RESULT).toBe("transfer");
  });

  it("a short queue (2 waiting, 20 s average): straight to the technicians, not a word about a callback", async () => {
    ami.setQueue(QUEUE, { Callers: 2, HoldTime: 20, LongestHoldTime: 40 });
    const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3"), ...fromExtension("PJSIP/1001-00000034") });
    expect(ami.actions.filter((a) => a.Action === "QueueSummary").at(-1)).toMatchObject({ Queue: QUEUE });
    expect(call.heard).not.toContain("queue-long");
    expect(call.heard).not.toContain("offer-queue-callback");
    expect(call.variables.URA_RESULT).toBe("transfer");
    expect(call.heard.at(-1)).toMatch(/^transferring/);
  });

  it("AMI silent: transferred as before, the wait cut by the silence budget, not by the AMI's own time limit", async () => {
    ami.setQueue(QUEUE, { Callers: 9 });
    ami.ignoreQueueSummary(true);
    const asked = ami.actions.filter((a) => a.Action === "QueueSummary").length;
    const call = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3"), ...fromExtension("PJSIP/1001-00000035") });
    expect(ami.actions.filter((a) => a.Action === "QueueSummary").length).toBe(asked + 1);
    expect(call.variables.URA_RESULT).toBe("transfer");
    expect(call.heard).not.toContain("offer-queue-callback");
    const warning = ivr.logs.find((l) => l.msg === "queue status unavailable, transferring as usual" && (l as { call?: string }).call === call.uniqueId);
    const waited = Number(/no answer within (\d+) ms/.exec(JSON.stringify(warning))?.[1]);
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(backend.budgetMs);
  });

  it("AMI down: transferred as before; a call without URA_QUEUE, or without a number to call back, is not asked about at all", async () => {
    ami.setQueue(QUEUE, { Callers: 9 });
    ami.dropAll();
    const down = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3"), ...fromExtension("PJSIP/1001-00000036") });
    expect(down.variables.URA_RESULT).toBe("transfer");
    expect(down.heard).not.toContain("offer-queue-callback");
    await ami.waitForLogins(2);

    const asked = ami.actions.filter((a) => a.Action === "QueueSummary").length;
    const noQueue = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3"), callerId: "1001", channel: "PJSIP/1001-00000037" });
    expect(noQueue.variables.URA_RESULT).toBe("transfer");
    const anonymous = await dial(ivr, { caller: new ScriptedCaller().on("main-menu").press("3"), callerId: "anonymous", variables: { URA_QUEUE: QUEUE } });
    expect(anonymous.variables.URA_RESULT).toBe("transfer");
    expect(ami.actions.filter((a) => a.Action === "QueueSummary").length).toBe(asked);
  });
}

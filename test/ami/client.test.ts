import { afterEach, describe, expect, it } from "vitest";
import {
  AmiActionError,
  AmiAuthError,
  AmiConnectionError,
  amiQueueEvents,
  callIdOf,
  queueEventsFromSettings,
  queueSummariesFromSettings,
  type AmiStatus,
  type QueueEvent,
  AmiClient,
} from "../../src/ami/index.js";
import { testSettings } from "../../src/config/index.js";
import { callIdFor } from "../../src/agi/index.js";
import { freePort } from "../support/processes.js";
import { agentCalled, agentConnect, queueCallerAbandon, startAmiStandIn, type AmiStandIn } from "../support/ami-stand-in.js";

const USER = "ura";
const SECRET = "ami-secret-0123456789";

function until<T>(get: () => T | undefined | null | false, what: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = get();
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe("AMI client against the stand-in", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function standIn(): Promise<AmiStandIn> {
    const s = await startAmiStandIn({ username: USER, secret: SECRET });
    cleanups.push(() => s.close());
    return s;
  }

  function source(port: number, secret = SECRET, extra: { reconnectMs?: number; maxReconnectMs?: number; pingIntervalMs?: number; answerTimeoutMs?: number } = {}) {
    const events: QueueEvent[] = [];
    const src = amiQueueEvents({ host: "127.0.0.1", port, username: USER, secret, reconnectMs: 20, maxReconnectMs: 200, ...extra });
    src.subscribe((e) => events.push(e));
    cleanups.push(() => src.close());
    return { src, events };
  }

  it("logs in with the configured user, turns the events on, and reports who is ringing for which call", async () => {
    const ami = await standIn();
    const { src, events } = source(ami.port);
    src.start();
    await ami.waitForLogins(1);
    expect(ami.actions[0]).toMatchObject({ Action: "Login", Username: USER, Secret: SECRET, Events: "on" });
    await until(() => src.status === "connected", "connected");

    ami.emit(agentCalled({ uniqueId: "1733050000.12", callerNumber: "1198765432" }, { interface: "PJSIP/101", name: "Bruno Lima" }));
    ami.emit(agentConnect({ uniqueId: "1733050000.12" }, { interface: "PJSIP/101" }));
    ami.emit(queueCallerAbandon({ uniqueId: "1733050000.40" }));
    await until(() => events.length >= 3, "three queue events");

    expect(events.map((e) => e.kind)).toEqual(["ringing", "answered", "abandoned"]);
    const ringing = events[0]!;
    if (ringing.kind !== "ringing") throw new Error("expected ringing");
    expect(ringing.member).toEqual({ interface: "PJSIP/101", memberName: "Bruno Lima", extension: "101" });
    expect(ringing.call.callerNumber).toBe("1198765432");
    // The call id the IVR recorded is the queue caller's uniqueid.
    const ours = new Set(["1733050000.12"]);
    expect(callIdOf(ringing.call, (id) => ours.has(id))).toBe("1733050000.12");
    expect(callIdOf({ uniqueId: "1733050000.77", linkedId: "1733050000.12" }, (id) => ours.has(id))).toBe("1733050000.12");
    expect(callIdOf({ uniqueId: "1733050000.77", linkedId: "1733050000.78" }, (id) => ours.has(id))).toBeNull();
    // A uniqueid the API could not take is known by the id the IVR derived from it.
    ours.add(callIdFor("pbx one-1733050000.90"));
    expect(callIdOf({ uniqueId: "pbx one-1733050000.90", linkedId: "pbx one-1733050000.90" }, (id) => ours.has(id))).toMatch(/^ura:[0-9a-f]{32}$/);
  });

  it("says a refused login is a refused login, and tries again later without hammering", async () => {
    const ami = await standIn();
    const client = new AmiClient({ host: "127.0.0.1", port: ami.port, username: USER, secret: "wrong-secret", reconnectMs: 20, maxReconnectMs: 300 });
    cleanups.push(() => client.close());
    const seen: Array<{ status: AmiStatus; error?: Error; at: number }> = [];
    client.onStatus((status, error) => seen.push({ status, at: Date.now(), ...(error ? { error } : {}) }));
    client.start();
    const refused = await until(() => seen.find((s) => s.status === "waiting"), "a refused login");
    expect(refused.error).toBeInstanceOf(AmiAuthError);
    expect(refused.error?.message).toContain("Authentication failed");
    expect(ami.sessions()).toBe(0);
    // The retry waits the longest backoff (300 ms here), not the shortest (20 ms): both times are
    // taken as the client changes status, so a slow test machine cannot shorten the gap.
    await ami.waitForAction("Login", 2);
    const retried = seen.slice(seen.indexOf(refused) + 1).find((s) => s.status === "connecting")!;
    expect(retried.at - refused.at).toBeGreaterThanOrEqual(250);
  });

  it("logs in again after the PBX drops the connection, and events flow again", async () => {
    const ami = await standIn();
    const { src, events } = source(ami.port);
    src.start();
    await ami.waitForLogins(1);
    ami.dropAll();
    await ami.waitForLogins(2);
    await until(() => src.status === "connected", "connected again");
    ami.emit(agentCalled({ uniqueId: "1733050000.50" }, { interface: "SIP/102" }));
    await until(() => events.length === 1, "an event after reconnecting");
    expect(events[0]).toMatchObject({ kind: "ringing", member: { extension: "102" } });
  });

  it("reconnects when Ping goes unanswered (a connection that died without closing)", async () => {
    const ami = await standIn();
    const { src } = source(ami.port, SECRET, { pingIntervalMs: 50, answerTimeoutMs: 1000 });
    src.start();
    await ami.waitForLogins(1);
    ami.ignorePings(true);
    await ami.waitForAction("Ping", 1);
    ami.ignorePings(false);
    await ami.waitForLogins(2);
  });

  it("keeps trying while the PBX is down, and connects once it is up", async () => {
    const port = await freePort();
    const { src } = source(port);
    src.start();
    await until(() => src.status === "waiting", "waiting for the PBX");
    const ami = await startAmiStandIn({ username: USER, secret: SECRET, port });
    cleanups.push(() => ami.close());
    await ami.waitForLogins(1);
    await until(() => src.status === "connected", "connected");
  });

  it("logs off when closed, and stays closed", async () => {
    const ami = await standIn();
    const { src } = source(ami.port);
    src.start();
    await ami.waitForLogins(1);
    await until(() => src.status === "connected", "connected");
    await src.close();
    expect(ami.actions.at(-1)).toMatchObject({ Action: "Logoff" });
    expect(src.status).toBe("closed");
    await until(() => ami.sessions() === 0, "the session to end");
    await new Promise((r) => setTimeout(r, 100));
    expect(ami.actions.filter((a) => a.Action === "Login")).toHaveLength(1);
  });

  it("is off without ASTERISK_AMI_HOST, and logs in with the four settings when they are given", async () => {
    expect(queueEventsFromSettings(testSettings())).toBeNull();
    const ami = await standIn();
    const src = queueEventsFromSettings(
      testSettings({ ASTERISK_AMI_HOST: "127.0.0.1", ASTERISK_AMI_PORT: String(ami.port), ASTERISK_AMI_USER: USER, ASTERISK_AMI_SECRET: SECRET }),
    )!;
    cleanups.push(() => src.close());
    src.start();
    await ami.waitForLogins(1);
    expect(ami.actions[0]).toMatchObject({ Username: USER, Secret: SECRET });
  });

  describe("QueueSummary (the IVR's question: how long is the technicians' queue?)", () => {
    async function summaries(port: number, timeoutMs = 5000) {
      const src = queueSummariesFromSettings(
        testSettings({
          ASTERISK_AMI_HOST: "127.0.0.1",
          ASTERISK_AMI_PORT: String(port),
          ASTERISK_AMI_USER: USER,
          ASTERISK_AMI_SECRET: SECRET,
          QUEUE_STATUS_TIMEOUT_MS: String(timeoutMs),
        }),
      )!;
      cleanups.push(() => src.close());
      src.start();
      await until(() => src.status === "connected", "connected");
      return src;
    }

    it("logs in without events and reads the asked queue's Callers, HoldTime, LongestHoldTime, Available and LoggedIn", async () => {
      const ami = await standIn();
      ami.setQueue("400", { Callers: 4, HoldTime: 95, LongestHoldTime: 240, Available: 1, LoggedIn: 3 });
      ami.setQueue("500", { Callers: 9 });
      const src = await summaries(ami.port);
      expect(ami.actions[0]).toMatchObject({ Action: "Login", Events: "off" });
      expect(await src.load("400")).toEqual({ callers: 4, holdSeconds: 95, longestHoldSeconds: 240, loggedIn: 3 });
      expect(ami.actions.at(-1)).toMatchObject({ Action: "QueueSummary", Queue: "400" });
      expect(await src.load("401")).toBeNull();
    });

    it("rejects at once when not connected, and within its time limit when Asterisk does not answer", async () => {
      expect(queueSummariesFromSettings(testSettings())).toBeNull();
      const down = queueSummariesFromSettings(
        testSettings({ ASTERISK_AMI_HOST: "127.0.0.1", ASTERISK_AMI_PORT: String(await freePort()), ASTERISK_AMI_USER: USER, ASTERISK_AMI_SECRET: SECRET }),
      )!;
      cleanups.push(() => down.close());
      down.start();
      await expect(down.load("400")).rejects.toThrow(AmiConnectionError);

      const ami = await standIn();
      ami.setQueue("400", { Callers: 1 });
      const src = await summaries(ami.port, 200);
      ami.ignoreQueueSummary(true);
      await expect(src.load("400")).rejects.toThrow(/no complete answer to QueueSummary within 200 ms/);
      ami.ignoreQueueSummary(false);
      expect(await src.load("400")).toMatchObject({ callers: 1 });
    });

    it("an Asterisk without app_queue refuses the action: AmiActionError, and the session stays up", async () => {
      const ami = await standIn();
      const client = new AmiClient({ host: "127.0.0.1", port: ami.port, username: USER, secret: SECRET, events: false });
      cleanups.push(() => client.close());
      client.start();
      await until(() => client.status === "connected", "connected");
      await expect(client.list("NoSuchList", {}, { timeoutMs: 5000 })).rejects.toThrow(AmiActionError);
      expect(client.status).toBe("connected");
    });
  });
});

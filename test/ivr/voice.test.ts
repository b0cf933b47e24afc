import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { buildIvr } from "../../src/app/ivr.js";
import { createVoiceRecordings } from "../../src/app/recordings.js";
import { testSettings } from "../../src/config/index.js";
import { placeCall, type Caller } from "../support/asterisk-emulator.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { dial, fakeBackend, FakeSpeech, realBackend, startIvr, strictPrompts, TypeAhead, uniqueId } from "../support/scenario.js";
import { voiceScenarios } from "./voice-scenarios.js";

describe("voice description against the in-memory API", () => {
  voiceScenarios(async () => fakeBackend());
});

describe("voice description against the real API in process (ura start) on SQLite", () => {
  voiceScenarios(() => realBackend("sqlite"));
});

describe("voice description against the real API over HTTP (ura ivr) on SQLite", () => {
  voiceScenarios(() => realBackend("sqlite", { path: "http" }));
});

describe("voice description against the real API in process (ura start) on MariaDB", () => {
  voiceScenarios(() => realBackend("mysql", { database: `ura_t_ivr_voice_${process.pid}` }));
});

describe("voice description when the API cannot take it", () => {
  it("the ticket is opened and its protocol heard all the same, and the file is removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-voice-down-"));
    const backend = fakeBackend();
    backend.fake.failures.set("attachVoiceDescription", "down");
    const ivr = await startIvr({ api: backend.api, clock: () => backend.clock(), voice: createVoiceRecordings(testSettings({ VOICE_DIR: dir }), pino({ level: "silent" })) });
    try {
      const caller = new ScriptedCaller().on("main-menu").press("1").on(question("service-menu")).press("6").on(/^record:/).speak(5000, "#").on("protocol-repeat").press("2");
      const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
      expect(call.variables.URA_RESULT).toBe("ticket");
      expect(call.heard).toContain("ticket-opened");
      expect(backend.fake.requests).toContain("attachVoiceDescription");
      expect(await backend.voiceDescription(call.variables.URA_TICKET!)).toBeNull();
      expect(readdirSync(dir)).toEqual([]);
      expect(ivr.logs.some((l) => l.msg === "voice description not attached: the ticket is open without it")).toBe(true);
    } finally {
      await ivr.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("voice description on a slow API", () => {
  it("the protocol is heard while the description is still on its way, and the description arrives all the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-voice-slow-"));
    const backend = fakeBackend();
    // The upload waits until the caller has heard the protocol (a slow link, a big recording).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const attach = backend.fake.attachVoiceDescription.bind(backend.fake);
    backend.fake.attachVoiceDescription = async (input, options) => {
      await released;
      return attach(input, options);
    };
    const ivr = await startIvr({
      api: backend.api,
      clock: () => backend.clock(),
      voice: createVoiceRecordings(testSettings({ VOICE_DIR: dir }), pino({ level: "silent" })),
      // Long enough that a flow waiting for the upload would wait for it, not give up on it.
      settings: { IVR_API_BUDGET_MS: "10000" },
    });
    try {
      let attachedAtProtocol: number | null = null;
      const caller = new ScriptedCaller()
        .on("main-menu").press("1")
        .on(question("service-menu")).press("6")
        .on(/^record:/).speak(5000, "#")
        .on("protocol-repeat").press(() => {
          attachedAtProtocol = backend.fake.voiceDescriptions.size;
          release();
          return "2";
        });
      const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
      // Every scripted answer was asked for: the call took the own-extension path the test names.
      expect(caller.unused()).toEqual([]);
      const protocol = call.variables.URA_TICKET!;
      expect(call.heard.slice(call.heard.indexOf("ticket-opened"))).toContain("protocol-repeat");
      expect(attachedAtProtocol).toBe(0);
      expect(await backend.voiceDescription(protocol)).not.toBeNull();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      release();
      await ivr.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("voice description while the IVR stops", () => {
  it("a stop (what SIGTERM runs) waits for an upload still on its way: the ticket has the description once the IVR has stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-voice-stop-"));
    const backend = fakeBackend();
    // The upload is held until the stop has begun (a slow link, a big recording).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const attach = backend.fake.attachVoiceDescription.bind(backend.fake);
    backend.fake.attachVoiceDescription = async (input, options) => {
      started();
      await released;
      return attach(input, options);
    };
    // The IVR as `ura start` and `ura ivr` build it, recording into VOICE_DIR; port 0: any free one.
    const settings = {
      ...testSettings({ IVR_VOICE_DESCRIPTION: "true", VOICE_DIR: dir, IVR_SURVEY: "false", IVR_API_BUDGET_MS: "10000", IVR_INPUT_TIMEOUT_MS: "3000" }),
      AGI_PORT: 0,
    };
    const server = buildIvr(settings, pino({ level: "silent" }), { api: backend.api, speech: new FakeSpeech(), promptFile: strictPrompts(), clock: () => backend.clock() });
    const { port } = await server.listen();
    let stopped = false;
    try {
      const caller = new ScriptedCaller().on("main-menu").press("1").on(question("service-menu")).press("6").on(/^record:/).speak(5000, "#").on("protocol-repeat").press("2");
      const call = await placeCall({ port, caller: new TypeAhead(caller), uniqueId: uniqueId(), callerId: "1001", channel: "PJSIP/1001-0000002a" });
      expect(caller.unused()).toEqual([]);
      const protocol = call.variables.URA_TICKET!;
      await inFlight;
      expect(await backend.voiceDescription(protocol)).toBeNull();

      const stopping = server.drain(settings.AGI_DRAIN_TIMEOUT_MS);
      // A stop that does not wait for the upload is over long before this.
      setTimeout(release, 300);
      await stopping;
      stopped = true;
      expect(await backend.voiceDescription(protocol)).not.toBeNull();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      release();
      if (!stopped) await server.drain(1000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("voice description and the silence budget", () => {
  it("the seconds of a silent description are the caller's, not the system's: a ticket the API opens within the budget needs no 'um momento'", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ura-voice-budget-"));
    const backend = fakeBackend();
    // The API takes half the budget to open the ticket, and the silence lasts the whole budget: a
    // budget still counting through the recording has nothing left for the ticket (margins of 2 s
    // either way, so a loaded machine's event-loop delays do not decide it).
    const open = backend.fake.openTicket.bind(backend.fake);
    backend.fake.openTicket = async (input, options) => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return open(input, options);
    };
    const ivr = await startIvr({
      api: backend.api,
      clock: () => backend.clock(),
      voice: createVoiceRecordings(testSettings({ VOICE_DIR: dir }), pino({ level: "silent" })),
      settings: { IVR_API_BUDGET_MS: "4000", IVR_VOICE_SILENCE_SECONDS: "4" },
    });
    try {
      // The caller stays silent after the tone: the tone and 4 s of silence, in real time.
      const script = new ScriptedCaller().on("main-menu").press("1").on(question("service-menu")).press("6").on(/^record:/).speak(0, "silence").on("protocol-repeat").press("2");
      let scale = 0;
      const caller: Caller = {
        react: (event, state) => {
          scale = event.command === "RECORD FILE" ? 1 : 0;
          return script.react(event, state);
        },
      };
      const call = await dial(ivr, { caller, mediaTimeScale: () => scale, callerId: "1001", channel: "PJSIP/1001-0000002a" });
      expect(script.unused()).toEqual([]);
      expect(call.variables.URA_RESULT).toBe("ticket");
      const at = call.heard.indexOf("describe-problem");
      expect(call.heard.slice(at, at + 3)).toEqual(["describe-problem", expect.stringMatching(/^record:voice-/), "ticket-opened"]);
      expect(call.heard).not.toContain("ticket-wait");
    } finally {
      await ivr.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

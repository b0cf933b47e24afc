import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createVoiceRecordings } from "../../src/app/recordings.js";
import { testSettings } from "../../src/config/index.js";
import { ScriptedCaller, question } from "../support/callers.js";
import { dial, FakeSpeech, startIvr, type Backend, type IvrUnderTest } from "../support/scenario.js";

/**
 * Issue 13's voice description, one scenario per way a caller meets it, through the Asterisk
 * emulator (which writes a real WAV where RECORD FILE says). The same file runs against the
 * in-memory API and the real API over HTTP on SQLite and MariaDB.
 */
export function voiceScenarios(makeBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let ivr: IvrUnderTest;
  const dir = mkdtempSync(join(tmpdir(), "ura-voice-"));

  beforeAll(async () => {
    backend = await makeBackend();
    const voice = createVoiceRecordings(testSettings({ VOICE_DIR: dir }), pino({ level: "silent" }));
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), voice, settings: { IVR_VOICE_SILENCE_SECONDS: "3", IVR_API_BUDGET_MS: "2000" } });
  });
  afterAll(async () => {
    await ivr?.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await backend.setHours("open");
  });

  /** Maria from her own extension: 1 (ticket), 6 (Ramal, one option: opens at once), then `describe` at the description. */
  const ticketCall = (describe: (caller: ScriptedCaller) => ScriptedCaller) =>
    describe(new ScriptedCaller().on("main-menu").press("1").on(question("service-menu")).press("6")).on("protocol-repeat").press("2");
  const fromExtension = { callerId: "1001", channel: "PJSIP/1001-0000002a" };
  const ticketsOf = async () => (await backend.tickets()).filter((t) => t.userCode === "1234");
  /** A WAV's audio in ms (8 kHz 16-bit mono after its 44-byte header). */
  const ms = (wav: Uint8Array) => (wav.byteLength - 44) / 16;

  it("describe, then #: the recording is attached to the ticket the call opened, and leaves no file behind", async () => {
    const call = await dial(ivr, { ...fromExtension, caller: ticketCall((c) => c.on(/^record:/).speak(6000, "#")) });
    expect(call.variables.URA_RESULT).toBe("ticket");
    const at = call.heard.indexOf("describe-problem");
    expect(call.heard.slice(at, at + 3)).toEqual(["describe-problem", expect.stringMatching(/^record:voice-/), "description-saved"]);
    const record = call.commands.find((c) => c.name === "RECORD FILE")!;
    expect(record.line).toMatch(/ wav "#" 60000 BEEP s=3$/);
    const wav = await backend.voiceDescription(call.variables.URA_TICKET!);
    expect(wav).not.toBeNull();
    expect(String.fromCharCode(...wav!.subarray(0, 4))).toBe("RIFF");
    expect(ms(wav!)).toBe(5800); // Asterisk cut the 200 ms of the # tone
    expect(readdirSync(dir)).toEqual([]);
  });

  it("silence ends it: what was said plus the 1 s of silence Asterisk keeps", async () => {
    const call = await dial(ivr, { ...fromExtension, caller: ticketCall((c) => c.on(/^record:/).speak(4000, "silence")) });
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(ms((await backend.voiceDescription(call.variables.URA_TICKET!))!)).toBe(5000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("skipping costs one key: 1 during the prompt, no tone, no recording, the ticket opened at once", async () => {
    const call = await dial(ivr, { ...fromExtension, caller: ticketCall((c) => c.on("describe-problem").press("1")) });
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(call.commands.some((c) => c.name === "RECORD FILE")).toBe(false);
    expect(call.heard[call.heard.indexOf("describe-problem") + 1]).toBe("ticket-opened");
    expect(await backend.voiceDescription(call.variables.URA_TICKET!)).toBeNull();
  });

  it("a caller who says nothing after the tone gets the ticket without a description", async () => {
    const call = await dial(ivr, { ...fromExtension, caller: ticketCall((c) => c.on(/^record:/).listen()) });
    expect(call.variables.URA_RESULT).toBe("ticket");
    expect(call.heard).not.toContain("description-saved");
    expect(await backend.voiceDescription(call.variables.URA_TICKET!)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a hang-up while recording opens no ticket and keeps nothing of what was said", async () => {
    const before = (await ticketsOf()).length;
    const call = await dial(ivr, { ...fromExtension, caller: ticketCall((c) => c.on(/^record:/).speak(4000, "hangup")) });
    expect(call.agiStatus).toBe("HANGUP");
    expect((await ticketsOf()).length).toBe(before);
    expect(await backend.callRecord(call.uniqueId)).toMatchObject({ outcome: "abandoned", step: "describe", ticketProtocol: null });
    expect(readdirSync(dir)).toEqual([]);
  });
}

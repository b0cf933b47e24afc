import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVoiceRecordings } from "../../src/app/recordings.js";
import { openTicketStore } from "../../src/app/tickets.js";
import { commands } from "../../src/cli/commands/index.js";
import { testSettings, type Settings } from "../../src/config/index.js";
import type { Store } from "../../src/domain/index.js";
import { question, ScriptedCaller } from "../support/callers.js";
import { GlpiStandin } from "../support/glpi-standin.js";
import { dial, FakeSpeech, realBackend, startIvr, type IvrUnderTest } from "../support/scenario.js";
import { waitFor } from "../support/wait.js";

/**
 * Issue 13 with TICKET_BACKEND=glpi: a caller's voice description, recorded through the Asterisk
 * emulator, reaches GLPI as a Document linked to the ticket the call opened (the GLPI stand-in).
 */
const APP = "app-token-0123456789";
const USER = "user-token-0123456789";
const silent = pino({ level: "silent" });

describe("voice description with TICKET_BACKEND=glpi (sqlite)", () => {
  let glpi: GlpiStandin;
  let backend: Awaited<ReturnType<typeof realBackend>>;
  let ivr: IvrUnderTest;
  let store: Store | undefined;
  const dir = mkdtempSync(join(tmpdir(), "ura-glpi-voice-"));

  beforeAll(async () => {
    glpi = await new GlpiStandin({
      firstTicketId: 700,
      users: [
        { id: 7, login: "ura-ivr", userToken: USER, firstname: "URA" },
        { id: 42, login: "maria.souza", firstname: "Maria", realname: "Souza", registration_number: "1234", phone: "1001", mobile: "+5545999991234" },
      ],
      categories: [],
    }).start();
    backend = await realBackend("sqlite", {
      settings: { TICKET_BACKEND: "glpi", GLPI_URL: glpi.url, GLPI_APP_TOKEN: APP, GLPI_USER_TOKEN: USER, GLPI_ENTITY_ID: "0", IVR_API_BUDGET_MS: "2000" },
      openStore: async (settings: Settings) =>
        (store = await openTicketStore(settings, silent, {
          migrate: true,
          glpi: { retry: { initialMs: 100, maxMs: 400 }, uncertainDelayMs: 200, pollMs: 100, requestTimeoutMs: 2000 },
        })),
    });
    const voice = createVoiceRecordings(testSettings({ VOICE_DIR: dir }), silent);
    ivr = await startIvr({ api: backend.api, speech: new FakeSpeech(), clock: () => backend.clock(), voice, settings: { IVR_API_BUDGET_MS: "2000" } });
    const sync = commands.find((c) => c.name === "users")!;
    const out = new PassThrough();
    expect(await sync.run(["sync-glpi"], { settings: backend.settings, stdout: out, stderr: new PassThrough(), stdin: new PassThrough(), logger: silent })).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await ivr?.close();
    await store?.close();
    await backend?.close();
    await glpi?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the description becomes a GLPI Document of the caller's ticket, a WAV of what was said", { timeout: 60_000 }, async () => {
    const caller = new ScriptedCaller()
      .on("main-menu").press("1")
      .on(question("service-menu")).press("2")
      .on(question("sub-menu")).press("2")
      .on(/^record:/).speak(3000, "#")
      .on("protocol-repeat").press("2");
    const call = await dial(ivr, { caller, callerId: "1001", channel: "PJSIP/1001-0000002a" });
    expect(call.variables.URA_RESULT).toBe("ticket");
    const protocol = call.variables.URA_TICKET!;
    expect(glpi.tickets.has(Number(protocol))).toBe(true);
    await waitFor(async () => glpi.documents.some((d) => d.tickets.includes(Number(protocol))), "the Document in GLPI");
    const doc = glpi.documents.find((d) => d.tickets.includes(Number(protocol)))!;
    expect(doc).toMatchObject({ filename: "descricao-por-voz.wav", mime: "audio/wav" });
    expect(doc.data.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect((doc.data.length - 44) / 16).toBe(2800);
    expect(readdirSync(dir)).toEqual([]);
  });
});

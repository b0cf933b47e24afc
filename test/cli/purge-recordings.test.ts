import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/command.js";
import { command as purge } from "../../src/cli/commands/purge.js";
import { attachVoiceDescription, systemActor, toDbTime, VOICE_DESCRIPTION_NAME } from "../../src/domain/index.js";
import { DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

/** A WAV as Asterisk writes it: the header, then `ms` of 8 kHz 16-bit audio. */
function wav(ms: number): Uint8Array {
  const data = Buffer.alloc(44 + ms * 16);
  data.write("RIFF", 0, "ascii");
  data.write("WAVEfmt ", 8, "ascii");
  return new Uint8Array(data);
}

/**
 * Issue 13, LGPD: `ura purge` deletes the callers' voices past RETENTION_RECORDING_DAYS — the voice
 * descriptions attached to tickets (the tickets stay) and MixMonitor's recordings of transferred
 * calls — and voice files an IVR never sent; newer ones stay.
 */
describe.each(DRIVERS)("ura purge and recordings (%s)", (driver) => {
  let t: TestDb;
  const transfers = mkdtempSync(join(tmpdir(), "ura-monitor-"));
  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename, { TRANSFER_RECORDINGS_DIR: transfers, RETENTION_RECORDING_DAYS: "30" });
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(transfers, { recursive: true, force: true });
  });

  it("deletes voice descriptions and transfer recordings past retention, keeps newer ones and the tickets", async () => {
    const now = new Date();
    const longAgo = new Date(now.getTime() - 40 * 86_400_000);
    await t.store.users.create({ code: "7001", name: "Rita Dias", phone: "+5545999997001" }, systemActor, now);
    const open = async (callId: string) => (await t.store.tickets.open({ userCode: "7001", serviceId: 101, source: "phone", callId }, systemActor, now)).ticket.protocol;
    const old = await open("1700000000.1");
    const recent = await open("1700000000.2");
    await attachVoiceDescription(t.store.tickets, { protocol: old, callId: "1700000000.1", audio: wav(2000) }, systemActor, longAgo);
    await attachVoiceDescription(t.store.tickets, { protocol: recent, callId: "1700000000.2", audio: wav(2000) }, systemActor, now);
    // A screenshot is not a voice: the purge of recordings leaves other attachments alone.
    await t.store.tickets.attach(old, { name: "tela.png", contentType: "image/png", data: new Uint8Array([1, 2, 3]) }, systemActor, longAgo);
    await t.store.db.run("UPDATE ticket_attachments SET created_at = ? WHERE name = 'tela.png'", [toDbTime(longAgo)]);

    const oldRecording = join(transfers, "1700000000.3.wav");
    const newRecording = join(transfers, "1700000000.4.wav");
    for (const f of [oldRecording, newRecording]) writeFileSync(f, wav(1000));
    utimesSync(oldRecording, longAgo, longAgo);
    const voiceDir = join(t.dataDir, "voice");
    mkdirSync(voiceDir, { recursive: true });
    const leftover = join(voiceDir, "voice-1700000000.5.wav");
    writeFileSync(leftover, wav(1000));
    utimesSync(leftover, new Date(now.getTime() - 2 * 86_400_000), new Date(now.getTime() - 2 * 86_400_000));

    const out: string[] = [];
    const stdout = new PassThrough().on("data", (c) => out.push(String(c)));
    const ctx: CliContext = { settings: t.settings, stdout, stderr: new PassThrough(), stdin: new PassThrough(), logger: pino({ level: "silent" }) };
    expect(await purge.run([], ctx)).toBe(0);
    expect(out.join("")).toMatch(/deleted 1 voice description\(s\) and 1 recording\(s\) of transferred calls from before .*, 1 unsent voice file\(s\)/);

    const names = async (protocol: string) => (await t.store.tickets.get(protocol))!.attachments.map((a) => a.name);
    expect(await names(old)).toEqual(["tela.png"]);
    expect(await names(recent)).toEqual([VOICE_DESCRIPTION_NAME]);
    expect([existsSync(oldRecording), existsSync(newRecording), existsSync(leftover)]).toEqual([false, true, false]);
  });
});

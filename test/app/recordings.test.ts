import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callIdFor } from "../../src/agi/index.js";
import { transferRecordingPath } from "../../src/app/recordings.js";
import { startAll, type RunningApp } from "../../src/app/start.js";
import { testSettings } from "../../src/config/index.js";
import { freePort } from "../support/processes.js";

/**
 * Issue 13: the caller's voice description reaches the ticket through the IVR's route, and the
 * console plays it (and a transferred call's MixMonitor recording, named by its call id) only to a
 * signed-in technician; an admin token reads it too. Through `ura start` in process, over HTTP.
 */
const cli = { client: "cli:root", address: null };
const IVR = "ivr-secret-for-the-recordings-0123";
const ADMIN = "adm-secret-for-the-recordings-0123";

function wav(ms: number): Buffer {
  const data = Buffer.alloc(44 + ms * 16, 7);
  data.write("RIFF", 0, "ascii");
  data.write("WAVEfmt ", 8, "ascii");
  return data;
}

describe("recordings served by ura start", () => {
  let dir: string;
  let monitor: string;
  let app: RunningApp;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ura-recordings-"));
    monitor = mkdtempSync(join(tmpdir(), "ura-monitor-"));
    const apiPort = await freePort();
    const settings = testSettings({
      DATA_DIR: dir,
      TTS_ENGINE: "none",
      AGI_PORT: String(await freePort()),
      API_PORT: String(apiPort),
      API_TOKENS: `ivr:ivr:${IVR},ops:admin:${ADMIN}`,
      TRANSFER_RECORDINGS_DIR: monitor,
    });
    app = await startAll(settings, pino({ level: "silent" }));
    base = `http://127.0.0.1:${apiPort}`;
    const now = new Date();
    await app.store.accounts.create({ username: "bruno", name: "Bruno Lima", role: "technician", extension: "101", password: "senha-do-bruno-123" }, cli, now);
    await app.store.users.create({ code: "1234", name: "Ana Souza", extensions: ["2001"] }, cli, now);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(monitor, { recursive: true, force: true });
  });

  const put = (protocol: string, callId: string, body: Buffer, type = "audio/wav") =>
    fetch(`${base}/api/v1/tickets/${protocol}/voice-description?callId=${callId}`, { method: "PUT", headers: { authorization: `Bearer ${IVR}`, "content-type": type }, body });

  it("the IVR attaches a WAV once to its own call's ticket; the console and an admin token play it, nobody else", { timeout: 60_000 }, async () => {
    const { ticket } = await app.store.tickets.open({ userCode: "1234", serviceId: 101, source: "phone", callId: "1800000000.1" }, cli, new Date());
    const audio = wav(1500);
    expect((await put(ticket.protocol, "1800000000.9", audio)).status).toBe(404); // another call's ticket
    const notWav = await put(ticket.protocol, "1800000000.1", Buffer.from("not audio"));
    expect(notWav.status).toBe(400);
    expect(await notWav.json()).toMatchObject({ error: "validation", field: "body" });
    expect((await put(ticket.protocol, "1800000000.1", audio, "application/octet-stream")).status).toBe(415);
    const first = await put(ticket.protocol, "1800000000.1", audio);
    expect(first.status).toBe(201);
    const { attachment } = (await first.json()) as { attachment: { id: string; name: string; size: number } };
    expect(attachment).toMatchObject({ name: "descricao-por-voz.wav", size: audio.length });
    expect((await put(ticket.protocol, "1800000000.1", audio)).status).toBe(200); // a retry stores nothing new
    expect((await app.store.tickets.get(ticket.protocol))!.attachments).toHaveLength(1);

    const path = `/api/v1/console/tickets/${ticket.protocol}/attachments/${attachment.id}`;
    expect((await fetch(base + path)).status).toBe(401);
    const signIn = await fetch(`${base}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "bruno", password: "senha-do-bruno-123" }) });
    const cookie = /ura_sessao=[^;]+/.exec(signIn.headers.get("set-cookie") ?? "")![0];
    const played = await fetch(base + path, { headers: { cookie } });
    expect(played.status).toBe(200);
    expect(played.headers.get("content-type")).toBe("audio/wav");
    expect(played.headers.get("cache-control")).toBe("private, no-store");
    expect(Buffer.from(await played.arrayBuffer()).equals(audio)).toBe(true);
    const admin = await fetch(`${base}/api/v1/admin/tickets/${ticket.protocol}/attachments/${attachment.id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(Buffer.from(await admin.arrayBuffer()).equals(audio)).toBe(true);
    expect((await fetch(`${base}/api/v1/admin/tickets/${ticket.protocol}/attachments/${attachment.id}`, { headers: { authorization: `Bearer ${IVR}` } })).status).toBe(403);

    // A transferred call's recording: MixMonitor's <call id>.wav, found by the call id.
    const recording = wav(800);
    writeFileSync(join(monitor, "1800000000.2.wav"), recording);
    const heard = await fetch(`${base}/api/v1/console/calls/1800000000.2/recording`, { headers: { cookie } });
    expect(heard.status).toBe(200);
    expect(Buffer.from(await heard.arrayBuffer()).equals(recording)).toBe(true);
    expect((await fetch(`${base}/api/v1/console/calls/1800000000.2/recording`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/console/calls/1800000000.3/recording`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${base}/api/v1/console/calls/..%2F..%2Fetc%2Fpasswd/recording`, { headers: { cookie } })).status).toBeGreaterThanOrEqual(400);
  });

  it("POST /admin/purge deletes recordings of transferred calls past RETENTION_RECORDING_DAYS, as ura purge does, and keeps newer ones", { timeout: 60_000 }, async () => {
    const old = join(monitor, "1700000000.1.wav");
    const recent = join(monitor, "1800000000.5.wav");
    writeFileSync(old, wav(500));
    writeFileSync(recent, wav(500));
    const longAgo = new Date(Date.now() - 200 * 86_400_000);
    utimesSync(old, longAgo, longAgo);
    const purge = await fetch(`${base}/api/v1/admin/purge`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toMatchObject({ transferRecordings: 1, voiceLeftovers: 0 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it("the dialplan names MixMonitor's file by the channel's UNIQUEID, which is the call id the IVR gives the API", () => {
    const dialplan = readFileSync("asterisk-dialplan/extensions_custom.conf", "utf8");
    expect(dialplan).toMatch(/MixMonitor\(\$\{URA_RECORDINGS\}\/\$\{UNIQUEID\}\.wav/);
    // Asterisk's uniqueids (with or without a system name) are call ids as they are.
    for (const uniqueid of ["1718000000.42", "pbx01-1718000000.42"]) {
      expect(callIdFor(uniqueid)).toBe(uniqueid);
      expect(transferRecordingPath(testSettings({ TRANSFER_RECORDINGS_DIR: "/var/spool/asterisk/monitor/ura" }), uniqueid)).toBe(`/var/spool/asterisk/monitor/ura/${uniqueid}.wav`);
    }
    expect(transferRecordingPath(testSettings({ TRANSFER_RECORDINGS_DIR: "/x" }), "../etc/passwd")).toBeNull();
  });
});

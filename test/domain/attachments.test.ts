import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ATTACHMENT_BYTES } from "../../src/domain/index.js";
import { admin, DRIVERS, openTestDb, type TestDb } from "../support/databases.js";

const NOW = new Date("2025-06-02T13:00:00.000Z"); // 10:00 in São Paulo
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe.each(DRIVERS)("ticket attachments on %s", (driver) => {
  let t: TestDb;
  let protocol: string;
  let other: string;
  const rows = async () => Number((await t.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ticket_attachments"))?.n);

  beforeAll(async () => {
    t = await openTestDb(driver, import.meta.filename);
    await t.store.users.create({ code: "4001", name: "Ana Souza", phone: "(45) 99911-1111" }, admin, NOW);
    protocol = (await t.store.tickets.open({ userCode: "4001", serviceId: 202, source: "phone", callId: "att.1" }, admin, NOW)).ticket.protocol;
    other = (await t.store.tickets.open({ userCode: "4001", serviceId: 301, source: "phone", callId: "att.2" }, admin, NOW)).ticket.protocol;
  });
  afterAll(async () => t?.cleanup());

  it("keeps a voice recording with its ticket and gives back the same bytes", async () => {
    const voice = randomBytes(16_000 * 5); // five seconds of 8 kHz signed-linear audio
    const attached = await t.store.tickets.attach(protocol, { name: "recado.sln", contentType: "audio/x-sln", data: voice }, admin, NOW);
    expect(attached).toMatchObject({
      name: "recado.sln",
      contentType: "audio/x-sln",
      size: voice.byteLength,
      sha256: sha256(voice),
      actor: "test-admin",
      createdAt: NOW.toISOString(),
      createdAtLocal: "2025-06-02T10:00:00-03:00",
    });

    const detail = await t.store.tickets.get(protocol);
    expect(detail?.attachments).toEqual([attached]);
    const read = await t.store.tickets.readAttachment(protocol, attached.id);
    expect(read?.attachment).toEqual(attached);
    expect(Buffer.from(read!.data).equals(voice)).toBe(true);

    const audit = await t.store.audit.list({ limit: 5, action: "ticket.attach" });
    expect(audit[0]).toMatchObject({ entityId: protocol, details: { name: "recado.sln", contentType: "audio/x-sln", size: voice.byteLength } });
  });

  it("lists a ticket's attachments in the order they came, also after a status change", async () => {
    const second = await t.store.tickets.attach(protocol, { name: "tela.png", contentType: "image/png", data: Buffer.from("png") }, admin, NOW);
    const moved = await t.store.tickets.changeStatus(protocol, { status: "in_progress", note: "ouvindo o recado" }, admin, NOW);
    expect(moved.attachments.map((a) => a.name)).toEqual(["recado.sln", "tela.png"]);
    expect(moved.attachments[1]).toEqual(second);
    expect((await t.store.tickets.get(other))?.attachments).toEqual([]);
  });

  it("keeps only the file's own name, without the folders it came from", async () => {
    const a = await t.store.tickets.attach(other, { name: "C:\\Users\\ana\\Gravações\\ligação 1.wav", contentType: "Audio/WAV", data: Buffer.from("RIFF") }, admin, NOW);
    expect(a).toMatchObject({ name: "ligação 1.wav", contentType: "audio/wav" });
    const b = await t.store.tickets.attach(other, { name: "../../etc/passwd", contentType: "text/plain", data: Buffer.from("x") }, admin, NOW);
    expect(b.name).toBe("passwd");
  });

  it("refuses an empty file, a bad media type or name, and a file over the limit, naming the field and storing nothing", async () => {
    const before = await rows();
    const attach = (file: { name: string; contentType: string; data: Uint8Array }) => t.store.tickets.attach(protocol, file, admin, NOW);
    await expect(attach({ name: "vazio.wav", contentType: "audio/wav", data: new Uint8Array(0) })).rejects.toMatchObject({ field: "data", message: "empty file" });
    await expect(attach({ name: "a.wav", contentType: "wav", data: Buffer.from("x") })).rejects.toMatchObject({ field: "contentType" });
    await expect(attach({ name: "pasta/", contentType: "audio/wav", data: Buffer.from("x") })).rejects.toMatchObject({ field: "name" });
    await expect(attach({ name: "a\u0000.wav", contentType: "audio/wav", data: Buffer.from("x") })).rejects.toMatchObject({ field: "name" });
    await expect(attach({ name: "grande.wav", contentType: "audio/wav", data: new Uint8Array(MAX_ATTACHMENT_BYTES + 1) })).rejects.toMatchObject({ field: "data" });
    expect(await rows()).toBe(before);
  });

  it("refuses a file for an unknown ticket as not found", async () => {
    const before = await rows();
    await expect(t.store.tickets.attach("999999999999", { name: "a.wav", contentType: "audio/wav", data: Buffer.from("x") }, admin, NOW)).rejects.toMatchObject({
      code: "not_found",
    });
    expect(await rows()).toBe(before);
  });

  it("reads an attachment only through its own ticket's protocol", async () => {
    const a = await t.store.tickets.attach(protocol, { name: "b.txt", contentType: "text/plain", data: Buffer.from("b") }, admin, NOW);
    expect(await t.store.tickets.readAttachment(other, a.id)).toBeNull();
    expect(await t.store.tickets.readAttachment(protocol, "999999")).toBeNull();
    expect(await t.store.tickets.readAttachment(protocol, "1 OR 1=1")).toBeNull();
  });

  it("stores a file of the largest allowed size whole", async () => {
    // 10 MiB: sent inline as hex, it would be 20 MiB and pass MariaDB's default 16 MiB packet.
    const big = randomBytes(MAX_ATTACHMENT_BYTES);
    const a = await t.store.tickets.attach(other, { name: "longa.sln", contentType: "audio/x-sln", data: big }, admin, NOW);
    const read = await t.store.tickets.readAttachment(other, a.id);
    expect(read?.attachment.size).toBe(MAX_ATTACHMENT_BYTES);
    expect(sha256(read!.data)).toBe(sha256(big));
  });
});

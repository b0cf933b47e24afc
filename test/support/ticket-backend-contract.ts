import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protocol, type Actor, type TicketBackend } from "../../src/domain/index.js";

/**
 * What every TicketBackend must do, as the IVR and the technicians notice it. The builtin backend
 * runs it on SQLite and MariaDB (test/domain/ticket-backend.test.ts); another backend (GLPI, behind
 * its stand-in) runs the same suite by giving a fixture.
 */
export interface TicketBackendFixture {
  backend: TicketBackend;
  /** Two active users who may open tickets (codes). */
  requesters: [string, string];
  /** A leaf of the catalogue, and a menu (a node with options under it). */
  leafServiceId: number;
  menuServiceId: number;
  /** Another leaf (the filters by service tell the two apart). */
  otherLeafServiceId: number;
  /** The requesters' departments, one each (different). */
  departments: [string, string];
  /** False: the backend cannot filter by the console's assignee and says so (field `assignee`). */
  assigneeFilter?: boolean;
  /** Tickets opened while held stay on our side, not yet delivered (GLPI's outbox); they must filter the same. */
  holdDelivery?(hold: boolean): Promise<void>;
  /** What a protocol looks like; default the builtin's 6 to 16 digits (GLPI's ids are short). */
  protocolPattern?: RegExp;
  /**
   * The ticket's last update is kept by another system (GLPI's date_mod, to the second), so a read
   * may show a later update time than the open answered with.
   */
  updatedElsewhere?: boolean;
  close(): Promise<void>;
}

const actor: Actor = { client: "contract-test", address: "127.0.0.1" };
const at = (minute: number) => new Date(Date.UTC(2025, 5, 2, 13, minute)); // 2025-06-02, 10:xx in São Paulo

export function ticketBackendContract(name: string, open: () => Promise<TicketBackendFixture>): void {
  describe(`${name}: the TicketBackend port`, () => {
    let f: TicketBackendFixture;
    let ana: string;
    let bia: string;
    let seq = 0;
    const callId = () => `contract.${process.pid}.${++seq}`;

    beforeAll(async () => {
      f = await open();
      [ana, bia] = f.requesters;
    });
    afterAll(async () => f?.close());

    it("opens a ticket once per call: the same call gets the same ticket back", async () => {
      const id = callId();
      const first = await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, source: "phone", callId: id, description: "não liga" }, actor, at(0));
      expect(first.created).toBe(true);
      expect(first.ticket).toMatchObject({ status: "open", source: "phone", requester: { code: ana }, description: "não liga", service: { id: f.leafServiceId } });
      // The domain's one protocol rule (issue 13 made new protocols short), or the backend's own.
      if (f.protocolPattern) expect(first.ticket.protocol).toMatch(f.protocolPattern);
      else expect(protocol.safeParse(first.ticket.protocol).success, first.ticket.protocol).toBe(true);
      const again = await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, source: "phone", callId: id }, actor, at(1));
      expect(again).toEqual({ ticket: first.ticket, created: false });
      await expect(f.backend.open({ userCode: bia, serviceId: f.leafServiceId, source: "phone", callId: id }, actor, at(1))).rejects.toMatchObject({
        code: "call_conflict",
        field: "callId",
      });
    });

    it("refuses what cannot become a ticket, naming the field", async () => {
      await expect(f.backend.open({ userCode: "12a", serviceId: f.leafServiceId }, actor, at(2))).rejects.toMatchObject({ field: "userCode" });
      await expect(f.backend.open({ userCode: ana, serviceId: f.menuServiceId }, actor, at(2))).rejects.toMatchObject({ field: "serviceId" });
      await expect(f.backend.open({ userCode: "999999999999", serviceId: f.leafServiceId }, actor, at(2))).rejects.toMatchObject({ code: "unknown_user" });
    });

    it("shows a ticket to its requester only; someone else's looks exactly like an unknown one", async () => {
      const { ticket } = await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, callId: callId() }, actor, at(3));
      const seen = await f.backend.forRequester(ticket.protocol, ana);
      if (f.updatedElsewhere) {
        const { updatedAt: _u, updatedAtLocal: _l, ...rest } = ticket;
        expect(seen).toMatchObject(rest);
      } else {
        expect(seen).toEqual(ticket);
      }
      expect(await f.backend.forRequester(ticket.protocol, bia)).toBeNull();
      expect(await f.backend.forRequester("999999999999", ana)).toBeNull();
    });

    it("lists tickets newest first, by status and by requester, with the total", async () => {
      const a = (await f.backend.open({ userCode: bia, serviceId: f.leafServiceId, callId: callId() }, actor, at(4))).ticket;
      const b = (await f.backend.open({ userCode: bia, serviceId: f.leafServiceId, callId: callId() }, actor, at(5))).ticket;
      await f.backend.changeStatus(a.protocol, { status: "in_progress" }, actor, at(6));
      const mine = await f.backend.list({ userCode: bia, limit: 10, offset: 0 });
      expect(mine.tickets.map((t) => t.protocol)).toEqual([b.protocol, a.protocol]);
      expect(mine.total).toBe(2);
      const page = await f.backend.list({ userCode: bia, limit: 1, offset: 1 });
      expect(page).toMatchObject({ total: 2, tickets: [{ protocol: a.protocol }] });
      const working = await f.backend.list({ status: "in_progress", userCode: bia, limit: 10, offset: 0 });
      expect(working.tickets.map((t) => [t.protocol, t.status])).toEqual([[a.protocol, "in_progress"]]);
    });

    it("lists only the tickets opened at or after an instant (the wallboard's today), with their total", async () => {
      const { ticket } = await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, callId: callId() }, actor, at(13));
      // When the backend says it was opened (GLPI keeps its own clock, to the second).
      const newest = (await f.backend.list({ limit: 1, offset: 0 })).tickets[0]!;
      expect(newest.protocol).toBe(ticket.protocol);
      const since = new Date(newest.createdAt);
      const today = await f.backend.list({ createdSince: since, limit: 50, offset: 0 });
      expect(today.tickets.map((t) => t.protocol)).toContain(ticket.protocol);
      expect(today.tickets.every((t) => Date.parse(t.createdAt) >= since.getTime())).toBe(true);
      expect(today.total).toBe(today.tickets.length);
      expect(await f.backend.list({ createdSince: new Date(since.getTime() + 1000), limit: 50, offset: 0 })).toEqual({ tickets: [], total: 0 });
    });

    it("filters by statuses, services and department, alone and together, and sorts newest, oldest or by priority", async () => {
      const open = async (user: string, serviceId: number, minute: number) =>
        (await f.backend.open({ userCode: user, serviceId, callId: callId() }, actor, at(minute))).ticket.protocol;
      const other = f.otherLeafServiceId;
      const t1 = await open(ana, f.leafServiceId, 20);
      const t2 = await open(bia, other, 21);
      const t3 = await open(ana, other, 22);
      await f.backend.changeStatus(t2, { status: "in_progress" }, actor, at(23));
      await f.backend.changeStatus(t3, { status: "waiting" }, actor, at(24));
      const protocols = (r: { tickets: Array<{ protocol: string }> }) => r.tickets.map((t) => t.protocol);
      const mine = (r: { tickets: Array<{ protocol: string }> }) => protocols(r).filter((p) => [t1, t2, t3].includes(p));
      const all = { limit: 100, offset: 0 } as const;

      const working = await f.backend.list({ statuses: ["in_progress", "waiting"], ...all });
      expect(mine(working)).toEqual([t3, t2]);
      expect(working.tickets.every((t) => t.status === "in_progress" || t.status === "waiting")).toBe(true);
      expect(working.total).toBe(working.tickets.length);
      expect(mine(await f.backend.list({ statuses: ["open"], ...all }))).toEqual([t1]);

      const byService = await f.backend.list({ serviceIds: [other], ...all });
      expect(mine(byService)).toEqual([t3, t2]);
      expect(byService.tickets.every((t) => t.service.id === other)).toBe(true);
      expect(byService.total).toBe(byService.tickets.length);
      expect(await f.backend.list({ serviceIds: [], ...all })).toEqual({ tickets: [], total: 0 });

      const byDepartment = await f.backend.list({ department: f.departments[1], ...all });
      expect(mine(byDepartment)).toEqual([t2]);
      expect(byDepartment.tickets.every((t) => t.requester.code === bia)).toBe(true);
      expect(await f.backend.list({ department: "Departamento que não existe", ...all })).toEqual({ tickets: [], total: 0 });

      const together = await f.backend.list({ statuses: ["in_progress", "waiting"], serviceIds: [other], department: f.departments[0], ...all });
      expect(protocols(together)).toEqual([t3]);
      expect(together.total).toBe(1);

      expect(mine(await f.backend.list({ sort: "oldest", ...all }))).toEqual([t1, t2, t3]);
      expect(mine(await f.backend.list({ sort: "newest", ...all }))).toEqual([t3, t2, t1]);
      // Oldest first pages from the oldest: the first page holds the first ticket of the whole list.
      const oldest = await f.backend.list({ serviceIds: [other], sort: "oldest", limit: 1, offset: 0 });
      expect(oldest).toMatchObject({ total: byService.total, tickets: [{ protocol: protocols(byService).at(-1) }] });
      // Same priority (nobody set one): the same tickets as the default order.
      const urgent = await f.backend.list({ statuses: ["in_progress", "waiting"], sort: "priority", ...all });
      expect(protocols(urgent).sort()).toEqual(protocols(working).sort());

      if (f.assigneeFilter === false) {
        await expect(f.backend.list({ assignee: null, ...all })).rejects.toMatchObject({ field: "assignee" });
        await expect(f.backend.list({ assignee: "tecnico", ...all })).rejects.toMatchObject({ field: "assignee" });
      } else {
        const nobody = await f.backend.list({ assignee: null, ...all });
        expect(mine(nobody)).toEqual([t3, t2, t1]);
        expect(await f.backend.list({ assignee: "ninguem.com.esse.nome", ...all })).toEqual({ tickets: [], total: 0 });
      }
    });

    it("filters tickets not yet delivered by the same rules as the delivered ones", async () => {
      if (!f.holdDelivery) return;
      await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, callId: callId() }, actor, at(30)); // delivered
      await f.holdDelivery(true);
      try {
        const p1 = (await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, callId: callId() }, actor, at(31))).ticket.protocol;
        const p2 = (await f.backend.open({ userCode: bia, serviceId: f.otherLeafServiceId, callId: callId() }, actor, at(32))).ticket.protocol;
        const all = { limit: 100, offset: 0 } as const;
        const protocols = (r: { tickets: Array<{ protocol: string }> }) => r.tickets.map((t) => t.protocol);
        const held = (r: { tickets: Array<{ protocol: string }> }) => protocols(r).filter((p) => p === p1 || p === p2);
        expect(held(await f.backend.list({ serviceIds: [f.otherLeafServiceId], ...all }))).toEqual([p2]);
        expect(held(await f.backend.list({ department: f.departments[0], ...all }))).toEqual([p1]);
        expect(held(await f.backend.list({ statuses: ["in_progress", "waiting"], ...all }))).toEqual([]);
        expect(held(await f.backend.list({ statuses: ["open", "waiting"], ...all }))).toEqual([p2, p1]);
        const byService = await f.backend.list({ serviceIds: [f.otherLeafServiceId], ...all });
        expect(byService.tickets.every((t) => t.service.id === f.otherLeafServiceId)).toBe(true);
        expect(byService.total).toBe(byService.tickets.length);
        // Newest first: the held ones (the newest) lead; oldest first: they close the list.
        const newest = await f.backend.list({ sort: "newest", ...all });
        expect(protocols(newest).slice(0, 2)).toEqual([p2, p1]);
        const oldest = await f.backend.list({ sort: "oldest", ...all });
        expect(protocols(oldest).slice(-2)).toEqual([p1, p2]);
        expect(oldest.total).toBe(newest.total);
        // A page across the two sides: the last delivered one, then the first held one.
        const across = await f.backend.list({ sort: "oldest", limit: 2, offset: oldest.total - 3 });
        expect(protocols(across)).toEqual(protocols(oldest).slice(-3, -1));
      } finally {
        await f.holdDelivery(false);
      }
    });

    it("moves a ticket along its lifecycle, keeps each move with its note, and refuses impossible moves", async () => {
      const { ticket } = await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, callId: callId() }, actor, at(7));
      expect(await f.backend.get(ticket.protocol)).toMatchObject({ ticket: { protocol: ticket.protocol }, history: [{ from: null, to: "open" }], attachments: [] });
      await f.backend.changeStatus(ticket.protocol, { status: "in_progress", note: "técnico a caminho" }, actor, at(8));
      const done = await f.backend.changeStatus(ticket.protocol, { status: "resolved" }, actor, at(9));
      expect(done.ticket.status).toBe("resolved");
      expect(done.history.map((h) => `${h.from}->${h.to}`)).toEqual(["null->open", "open->in_progress", "in_progress->resolved"]);
      expect(done.history[1]).toMatchObject({ note: "técnico a caminho" });
      await expect(f.backend.changeStatus(ticket.protocol, { status: "open" }, actor, at(10))).rejects.toMatchObject({ code: "invalid_transition" });
      await expect(f.backend.changeStatus(ticket.protocol, { status: "reopened" as never }, actor, at(10))).rejects.toMatchObject({ field: "status" });
      await expect(f.backend.changeStatus("999999999999", { status: "closed" }, actor, at(10))).rejects.toMatchObject({ code: "not_found" });
      expect((await f.backend.get(ticket.protocol))?.ticket.status).toBe("resolved");
      expect(await f.backend.get("999999999999")).toBeNull();
    });

    it("keeps an attached file with its ticket and gives back the same bytes", async () => {
      const { ticket } = await f.backend.open({ userCode: ana, serviceId: f.leafServiceId, callId: callId() }, actor, at(11));
      const data = Buffer.from("RIFF....WAVEfmt gravação de teste");
      const attached = await f.backend.attach(ticket.protocol, { name: "recado.wav", contentType: "audio/wav", data }, actor, at(12));
      expect(attached).toMatchObject({ name: "recado.wav", contentType: "audio/wav", size: data.byteLength, sha256: createHash("sha256").update(data).digest("hex") });
      expect((await f.backend.get(ticket.protocol))?.attachments).toEqual([attached]);
      const read = await f.backend.readAttachment(ticket.protocol, attached.id);
      expect(Buffer.from(read!.data).equals(data)).toBe(true);
      await expect(f.backend.attach("999999999999", { name: "a.wav", contentType: "audio/wav", data }, actor, at(12))).rejects.toMatchObject({ code: "not_found" });
      await expect(f.backend.attach(ticket.protocol, { name: "a.wav", contentType: "audio/wav", data: new Uint8Array(0) }, actor, at(12))).rejects.toMatchObject({
        field: "data",
      });
    });
  });
}

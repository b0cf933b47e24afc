import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import { adminCatalogue, adminUserResponse, importReport, ticketDetail } from "../../src/api/admin-contract.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;

const CSV = [
  "codigo;nome;celular;ramais;departamento;ativo",
  "3001;Ana Souza;(45) 99911-1111;2001;Saúde;sim",
  "3002;Bruno Lima;(45) 99922-2222;2002|2100;Educação;sim",
  "3001;Ana de Novo;;;;", // duplicate of line 2
  "30x3;Código Ruim;;;;", // malformed code
  "3004;Telefone Ruim;12345;;;", // malformed phone
  "3005;Carla Dias;045 99933-3333;2100;Obras;não",
].join("\r\n");

describe.each(DRIVERS)("admin routes (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename);
  });
  afterAll(async () => api?.close());

  it("imports users from CSV: good rows in, bad rows reported by line, re-import updates", async () => {
    const res = await api.call("POST", `${P}/admin/users/import`, { body: CSV, headers: { "content-type": "text/csv" } });
    expect(res.statusCode).toBe(200);
    const report = importReport.parse(res.json());
    expect(report).toMatchObject({ rows: 6, created: 3, updated: 0, unchanged: 0 });
    expect(report.rejected.map((r) => [r.line, r.field])).toEqual([
      [4, "code"],
      [5, "code"],
      [6, "phone"],
    ]);
    const listed = (await api.call("GET", `${P}/admin/users`)).json();
    expect(listed.users.map((u: { code: string }) => u.code)).toEqual(["3001", "3002", "3005"]);
    expect(listed.users[0]).toMatchObject({ name: "Ana Souza", phone: "+5545999111111", extensions: ["2001"], active: true });
    expect(listed.users[2]).toMatchObject({ active: false });

    const again = importReport.parse((await api.call("POST", `${P}/admin/users/import`, { body: { csv: CSV } })).json());
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const fixed = CSV.replace("3004;Telefone Ruim;12345", "3004;Telefone Bom;(45) 99944-4444").replace("Bruno Lima", "Bruno S. Lima");
    expect(importReport.parse((await api.call("POST", `${P}/admin/users/import`, { body: fixed, headers: { "content-type": "text/csv" } })).json())).toMatchObject({
      created: 1,
      updated: 1,
      unchanged: 2,
    });
    expect((await api.call("GET", `${P}/admin/users`)).json().total).toBe(4);
    const noHeader = await api.call("POST", `${P}/admin/users/import`, { body: "nome\nAna\n", headers: { "content-type": "text/csv" } });
    expect(noHeader.statusCode).toBe(400);
    expect(noHeader.json()).toMatchObject({ error: "validation", field: "file" });
  });

  // Issue 14 item 10: a stray quote used to swallow every line after it, with a 200.
  it("refuses a CSV whose quote never closes with a 400 naming the line, and imports nothing from it", async () => {
    const stray = ["codigo;nome", "3101;Gil Souza", '3102;"Hugo Lima', "3103;Iara Dias", "3104;Jonas Reis"].join("\n");
    const res = await api.call("POST", `${P}/admin/users/import`, { body: stray, headers: { "content-type": "text/csv" } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "csv_quote", field: "file", line: 3, message: expect.stringMatching(/^line 3: /) });
    expect((await api.call("GET", `${P}/admin/users?search=310`)).json().total).toBe(0);
  });

  // Issue 14 item 9: a Windows-1252 file (Brazilian Excel) was stored with U+FFFD in every accent, with a 200.
  it("imports a Windows-1252 CSV with its accents, and never stores a replacement character", async () => {
    const excel = Buffer.from("codigo;nome;departamento\r\n3201;José Conceição;Educação\r\n3202;Iracema Araújo;Saúde\r\n", "latin1");
    const res = await api.call("POST", `${P}/admin/users/import`, { body: excel, headers: { "content-type": "text/csv" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rows: 2, created: 2, rejected: [] });
    expect((await api.call("GET", `${P}/admin/users/3201`)).json().user).toMatchObject({ name: "José Conceição", department: "Educação" });
    expect((await api.call("GET", `${P}/admin/users/3202`)).json().user).toMatchObject({ name: "Iracema Araújo", department: "Saúde" });
    // The same file already decoded wrongly by a client: refused, naming the first line it spoiled.
    const spoiled = "codigo;nome\n3203;Ana Lima\n3204;Jos\uFFFD Concei\uFFFD\uFFFDo\n";
    const json = await api.call("POST", `${P}/admin/users/import`, { body: { csv: spoiled } });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ error: "csv_encoding", field: "file", line: 3 });
    expect((await api.call("GET", `${P}/admin/users/3203`)).statusCode).toBe(404);
  });

  it("creates, reads, changes and deletes a user", async () => {
    const created = await api.call("POST", `${P}/admin/users`, { body: { code: "4001", name: "Eva", phone: "+55 45 99955-5555", extensions: ["2500"] } });
    expect(created.statusCode).toBe(201);
    expect(adminUserResponse.parse(created.json()).user).toMatchObject({ code: "4001", phone: "+5545999555555", phoneMasked: "+55*******5555" });
    expect((await api.call("POST", `${P}/admin/users`, { body: { code: "4001", name: "Outra" } })).json()).toMatchObject({ error: "duplicate_code", field: "code" });
    const patched = await api.call("PATCH", `${P}/admin/users/4001`, { body: { department: "TI", extensions: ["2501"], phone: null } });
    expect(patched.json().user).toMatchObject({ name: "Eva", department: "TI", extensions: ["2501"], phone: null });
    expect((await api.call("DELETE", `${P}/admin/users/4001`)).statusCode).toBe(204);
    expect((await api.call("GET", `${P}/admin/users/4001`)).statusCode).toBe(404);
    // Someone with tickets is deactivated instead of deleted.
    await api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "3001", serviceId: 101 } });
    expect((await api.call("DELETE", `${P}/admin/users/3001`)).json()).toMatchObject({ error: "in_use" });
  });

  it("edits the catalogue without code, and the IVR sees it", async () => {
    const added = await api.call("POST", `${P}/admin/catalogue`, { body: { parentId: 5, key: "2", label: "Manutenção" } });
    expect(added.statusCode).toBe(201);
    expect(added.json().service).toMatchObject({ parentId: 5, key: "2", label: "Manutenção", prompt: "Manutenção, 2.", active: true });
    const id = added.json().service.id;
    expect((await api.call("POST", `${P}/admin/catalogue`, { body: { parentId: 5, key: "2", label: "Outra" } })).json()).toMatchObject({
      error: "duplicate_key",
      field: "key",
    });
    await api.call("PATCH", `${P}/admin/catalogue/${id}`, { body: { prompt: "Para manutenção do projetor, tecle 2." } });
    let ivr = (await api.call("GET", `${P}/catalogue`, { token: "ivr" })).json();
    expect(ivr.services[4].children.map((c: { label: string }) => c.label)).toEqual(["Reserva", "Manutenção"]);
    await api.call("PATCH", `${P}/admin/catalogue/${id}`, { body: { active: false } });
    ivr = (await api.call("GET", `${P}/catalogue`, { token: "ivr" })).json();
    expect(ivr.services[4].children).toHaveLength(1);
    const all = adminCatalogue.parse((await api.call("GET", `${P}/admin/catalogue`)).json());
    expect(all.services[4]!.children.find((c) => c.id === id)).toMatchObject({ active: false });
    expect((await api.call("DELETE", `${P}/admin/catalogue/5`)).json()).toMatchObject({ error: "has_children" });
    expect((await api.call("DELETE", `${P}/admin/catalogue/${id}`)).statusCode).toBe(204);
    expect((await api.call("PATCH", `${P}/admin/catalogue/1`, { body: { parentId: 101 } })).json()).toMatchObject({ error: "cycle" });
  });

  it("links an option to a GLPI category and swaps two options' keys; the IVR hears them in the new order", async () => {
    const linked = await api.call("PATCH", `${P}/admin/catalogue/301`, { body: { glpiCategoryId: 42 } });
    expect(linked.json().service).toMatchObject({ id: 301, glpiCategoryId: 42 });
    expect((await api.call("PATCH", `${P}/admin/catalogue/301`, { body: { glpiCategoryId: -1 } })).json()).toMatchObject({ field: "glpiCategoryId" });
    const all = adminCatalogue.parse((await api.call("GET", `${P}/admin/catalogue`)).json());
    // The builtin backend here: the page hides the GLPI field. No text-to-speech: callers hear the change at once.
    expect(all).toMatchObject({ glpi: false, ready: true });
    expect(all.services.find((n) => n.id === 3)!.children.find((n) => n.id === 301)!.glpiCategoryId).toBe(42);

    expect((await api.call("POST", `${P}/admin/catalogue/301/swap`, { body: { with: 302 } })).statusCode).toBe(204);
    const ivr = (await api.call("GET", `${P}/catalogue`, { token: "ivr" })).json() as { services: Array<{ id: number; children: Array<{ id: number; key: string }> }> };
    expect(ivr.services.find((n) => n.id === 3)!.children.slice(0, 2).map((n) => `${n.key}:${n.id}`)).toEqual(["1:302", "2:301"]);
    expect((await api.call("POST", `${P}/admin/catalogue/301/swap`, { body: { with: 101 } })).json()).toMatchObject({ error: "not_siblings", field: "with" });
    await api.call("POST", `${P}/admin/catalogue/301/swap`, { body: { with: 302 } });
  });

  it("edits the weekly schedule and holidays", async () => {
    const schedule = (await api.call("GET", `${P}/admin/schedule`)).json();
    expect(schedule.timeZone).toBe("America/Sao_Paulo");
    expect(schedule.intervals).toHaveLength(10);
    const put = await api.call("PUT", `${P}/admin/schedule`, { body: { intervals: [{ weekday: 1, opens: "07:30", closes: "19:00" }] } });
    expect(put.json().intervals).toEqual([{ weekday: 1, opens: "07:30", closes: "19:00" }]);
    expect((await api.call("PUT", `${P}/admin/schedule`, { body: { intervals: [{ weekday: 1, opens: "19:00", closes: "07:30" }] } })).json()).toMatchObject({
      field: "intervals.0.closes",
    });
    expect((await api.call("PUT", `${P}/admin/holidays/2025-12-25`, { body: { name: "Natal" } })).statusCode).toBe(201);
    expect((await api.call("PUT", `${P}/admin/holidays/2025-12-25`, { body: { name: "Natal!" } })).statusCode).toBe(200);
    expect((await api.call("GET", `${P}/admin/holidays?from=2025-01-01`)).json()).toEqual({ holidays: [{ date: "2025-12-25", name: "Natal!" }] });
    expect((await api.call("DELETE", `${P}/admin/holidays/2025-12-25`)).statusCode).toBe(204);
    expect((await api.call("DELETE", `${P}/admin/holidays/2025-12-25`)).statusCode).toBe(404);
  });

  it("changes a ticket's status with a history, and refuses impossible moves", async () => {
    const { ticket } = (await api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "3002", serviceId: 401, source: "phone" } })).json();
    const move = (status: string, note?: string) => api.call("POST", `${P}/admin/tickets/${ticket.protocol}/status`, { body: { status, note } });
    expect((await move("in_progress", "técnico a caminho")).statusCode).toBe(200);
    const done = ticketDetail.parse((await move("resolved")).json());
    expect(done.ticket.status).toBe("resolved");
    expect(done.history.map((h) => [h.from, h.to, h.actor])).toEqual([
      [null, "open", "ivr"],
      ["open", "in_progress", "ops"],
      ["in_progress", "resolved", "ops"],
    ]);
    await move("closed");
    const refused = await move("open");
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: "invalid_transition", field: "status" });
    expect((await api.call("POST", `${P}/admin/tickets/209900100001/status`, { body: { status: "closed" } })).statusCode).toBe(404);
    // The requester hears the new status.
    expect((await api.call("GET", `${P}/tickets/${ticket.protocol}?userCode=3002`, { token: "ivr" })).json().ticket.status).toBe("closed");
    const list = (await api.call("GET", `${P}/admin/tickets?status=closed`)).json();
    expect(list.tickets.map((t: { protocol: string }) => t.protocol)).toContain(ticket.protocol);
  });

  it("audits every write: client name, address, what changed", async () => {
    await api.call("POST", `${P}/admin/users`, { body: { code: "4100", name: "Auditada", phone: "(45) 99977-7777" }, address: "10.1.2.3" });
    const entries = (await api.call("GET", `${P}/admin/audit?limit=1000`)).json().entries as { action: string; client: string; address: string; entityId: string; details: Record<string, unknown> }[];
    const mine = entries.find((e) => e.action === "user.create" && e.entityId === "4100")!;
    expect(mine).toMatchObject({ client: "ops", address: "10.1.2.3", details: { name: "Auditada", phone: "+55*******7777" } });
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ["user.import.create", "user.import.update", "user.update", "user.delete", "service.create", "service.update", "service.delete", "schedule.set", "holiday.create", "holiday.update", "holiday.delete", "ticket.open", "ticket.status"]) {
      expect(actions, a).toContain(a);
    }
    expect(entries.find((e) => e.action === "ticket.open")).toMatchObject({ client: "ivr", address: "127.0.0.1" });
    expect(JSON.stringify(entries)).not.toContain("99977-7777");
  });

  it("purges old call records and audit rows on request", async () => {
    api.now.value = new Date(api.now.value.getTime() + 800 * 86_400_000);
    const report = (await api.call("POST", `${P}/admin/purge`)).json();
    expect(report.audit).toBeGreaterThan(10);
    expect((await api.call("GET", `${P}/admin/audit`)).json().entries.map((e: { action: string }) => e.action)).toEqual(["purge"]);
  });
});

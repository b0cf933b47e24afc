import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX, announcementsResponse, informationResponse } from "../../src/api/contract.js";
import { DRIVERS } from "../support/databases.js";
import { openTestApi, type TestApi } from "./helper.js";

const P = API_PREFIX;

describe.each(DRIVERS)("announcements (%s)", (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(driver, import.meta.filename);
  });
  afterAll(async () => api?.close());

  const at = (minutes: number) => new Date(api.now.value.getTime() + minutes * 60_000).toISOString();

  it("an admin adds, schedules, changes and ends announcements; the IVR gets the playing ones oldest first and the scheduled ones", async () => {
    const outage = await api.call("POST", `${P}/admin/announcements`, { body: { text: "  A rede da Secretaria de Saúde está fora do ar.  " } });
    expect(outage.statusCode).toBe(201);
    expect(outage.json().announcement).toMatchObject({ text: "A rede da Secretaria de Saúde está fora do ar.", state: "playing", endsAt: null, startsAt: api.now.value.toISOString() });
    const later = (await api.call("POST", `${P}/admin/announcements`, { body: { text: "Manutenção às 14h.", startsAt: at(60), endsAt: at(120) } })).json().announcement;
    expect(later).toMatchObject({ state: "scheduled", startsAtLocal: "2025-06-02T11:00:00-03:00" });

    const forIvr = await api.call("GET", `${P}/announcements`, { token: "ivr" });
    expect(forIvr.statusCode).toBe(200);
    expect(announcementsResponse.parse(forIvr.json())).toEqual({
      playing: [{ id: outage.json().announcement.id, text: "A rede da Secretaria de Saúde está fora do ar." }],
      scheduled: [{ id: later.id, text: "Manutenção às 14h.", startsAt: at(60) }],
    });

    const changed = await api.call("PATCH", `${P}/admin/announcements/${later.id}`, { body: { startsAt: at(-10) } });
    expect(changed.json().announcement).toMatchObject({ state: "playing", text: "Manutenção às 14h." });
    expect((await api.call("GET", `${P}/announcements`, { token: "ivr" })).json().playing.map((a: { text: string }) => a.text)).toEqual([
      "Manutenção às 14h.",
      "A rede da Secretaria de Saúde está fora do ar.",
    ]);

    const ended = await api.call("POST", `${P}/admin/announcements/${outage.json().announcement.id}/end`);
    expect(ended.json().announcement).toMatchObject({ state: "ended", endsAt: api.now.value.toISOString() });
    expect((await api.call("GET", `${P}/announcements`, { token: "ivr" })).json().playing).toHaveLength(1);
    expect((await api.call("GET", `${P}/admin/announcements?current=yes`)).json().announcements.map((a: { id: number }) => a.id)).toEqual([later.id]);
    expect((await api.call("GET", `${P}/admin/announcements`)).json().announcements).toHaveLength(2);

    expect((await api.call("DELETE", `${P}/admin/announcements/${later.id}`)).statusCode).toBe(204);
    expect((await api.call("DELETE", `${P}/admin/announcements/${later.id}`)).json()).toMatchObject({ error: "not_found" });

    const actions = ((await api.call("GET", `${P}/admin/audit?limit=1000`)).json().entries as { action: string; client: string }[])
      .filter((e) => e.action.startsWith("announcement."))
      .map((e) => `${e.action}:${e.client}`);
    expect(actions.sort()).toEqual(["announcement.create:ops", "announcement.create:ops", "announcement.delete:ops", "announcement.end:ops", "announcement.update:ops"]);
  });

  it("bad input is a 400 naming the field; only admins write, and the IVR cannot", async () => {
    const cases: [unknown, string][] = [
      [{}, "text"],
      [{ text: "   " }, "text"],
      [{ text: "x".repeat(501) }, "text"],
      [{ text: "duas\nlinhas" }, "text"],
      [{ text: "ok", startsAt: "amanhã" }, "startsAt"],
      [{ text: "ok", endsAt: "2025-06-02 10:00" }, "endsAt"],
      [{ text: "ok", startsAt: at(60), endsAt: at(30) }, "endsAt"],
    ];
    for (const [body, field] of cases) {
      const r = await api.call("POST", `${P}/admin/announcements`, { body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().field, JSON.stringify(body)).toBe(field);
    }
    expect((await api.call("PATCH", `${P}/admin/announcements/1`, { body: {} })).statusCode).toBe(400);
    expect((await api.call("PATCH", `${P}/admin/announcements/999999`, { body: { text: "x" } })).statusCode).toBe(404);
    expect((await api.call("POST", `${P}/admin/announcements/abc/end`)).json().field).toBe("id");
    expect((await api.call("POST", `${P}/admin/announcements`, { token: "ivr", body: { text: "x" } })).statusCode).toBe(403);
    expect((await api.call("GET", `${P}/announcements`, { token: null })).statusCode).toBe(401);
  });

  it("guidance texts: an admin adds them by key (one active per key), the IVR gets the active ones with the schedule", async () => {
    await api.call("PUT", `${P}/admin/schedule`, { body: { intervals: [{ weekday: 1, opens: "08:00", closes: "12:00" }] } });
    const senha = await api.call("POST", `${P}/admin/guidance`, { body: { key: "1", title: "Como trocar sua senha", text: "Acesse o portal e clique em esqueci minha senha." } });
    expect(senha.statusCode).toBe(201);
    expect(senha.json().guidance).toMatchObject({ key: "1", active: true, prompt: "Como trocar sua senha, 1." });
    const clash = await api.call("POST", `${P}/admin/guidance`, { body: { key: "1", title: "Outra", text: "Outra." } });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ error: "duplicate_key", field: "key" });
    const off = (await api.call("POST", `${P}/admin/guidance`, { body: { key: "1", title: "Rascunho", text: "Ainda não.", active: false } })).json().guidance;
    expect((await api.call("PATCH", `${P}/admin/guidance/${off.id}`, { body: { active: true } })).statusCode).toBe(409);
    expect((await api.call("PATCH", `${P}/admin/guidance/${off.id}`, { body: { key: "2", active: true } })).json().guidance).toMatchObject({ key: "2", active: true, prompt: "Rascunho, 2." });

    const info = informationResponse.parse((await api.call("GET", `${P}/information`, { token: "ivr" })).json());
    expect(info.schedule).toEqual([{ weekday: 1, opens: "08:00", closes: "12:00" }]);
    expect(info.guidance.map((g) => `${g.key}:${g.title}`)).toEqual(["1:Como trocar sua senha", "2:Rascunho"]);

    for (const [body, field] of [[{ key: "0", title: "x", text: "y" }, "key"], [{ key: "3", title: "", text: "y" }, "title"], [{ key: "3", title: "x" }, "text"]] as const) {
      const r = await api.call("POST", `${P}/admin/guidance`, { body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().field).toBe(field);
    }
    expect((await api.call("DELETE", `${P}/admin/guidance/${off.id}`)).statusCode).toBe(204);
    expect((await api.call("GET", `${P}/admin/guidance`)).json().guidance).toHaveLength(1);
    const actions = ((await api.call("GET", `${P}/admin/audit?limit=1000`)).json().entries as { action: string }[]).map((e) => e.action);
    for (const a of ["guidance.create", "guidance.update", "guidance.delete"]) expect(actions).toContain(a);
  });

  it("a callback request rides on a ticket: the IVR records it with the number, the admin's ticket shows it; bad input names the field", async () => {
    await api.call("POST", `${P}/admin/users`, { body: { code: "7001", name: "Retorno", phone: "(45) 99911-7001" } });
    const services = (await api.call("GET", `${P}/catalogue`, { token: "ivr" })).json().services as { id: number; children: { id: number }[] }[];
    const leaf = services.flatMap((s) => (s.children.length ? s.children : [s]))[0]!.id;
    const opened = await api.call("POST", `${P}/tickets`, { token: "ivr", body: { userCode: "7001", serviceId: leaf, callId: "cb.1", source: "phone" } });
    const protocol = opened.json().ticket.protocol as string;
    const body = { callId: "cb.1", ticketProtocol: protocol, number: "4599917001", reason: "closed" };
    expect((await api.call("POST", `${P}/callbacks`, { token: "ivr", body })).statusCode).toBe(201);
    expect((await api.call("POST", `${P}/callbacks`, { token: "ivr", body: { ...body, number: "1001" } })).json()).toEqual({ callId: "cb.1", created: false });
    const ticket = (await api.call("GET", `${P}/admin/tickets/${protocol}`)).json().ticket;
    expect(ticket.callback).toMatchObject({ number: "1001", reason: "closed" });

    for (const [patch, field] of [[{ number: "12" }, "number"], [{ number: "45 9991" }, "number"], [{ reason: "later" }, "reason"], [{ ticketProtocol: "abc" }, "ticketProtocol"]] as const) {
      const r = await api.call("POST", `${P}/callbacks`, { token: "ivr", body: { ...body, ...patch } });
      expect(r.statusCode, JSON.stringify(patch)).toBe(400);
      expect(r.json().field).toBe(field);
    }
    const unknown = await api.call("POST", `${P}/callbacks`, { token: "ivr", body: { ...body, callId: "cb.2", ticketProtocol: "99999999" } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().field).toBe("ticketProtocol");
    expect((await api.call("POST", `${P}/callbacks`, { token: "admin", body })).statusCode).toBe(403);
  });
});

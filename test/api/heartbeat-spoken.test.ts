import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMetrics } from "../../src/shared/metrics.js";
import { openTestApi, type TestApi } from "./helper.js";
import { sample } from "../support/metrics.js";

const P = "/api/v1";

/**
 * The API's answer to an IVR node's heartbeat carries `spoken`, a fingerprint of every sentence the
 * IVR says with TTS: when it changes, the node synthesises the change before a caller asks
 * (test/app/split-speech.test.ts, end to end). Nodes beat up to once a second while calls change,
 * so the fingerprint is kept between heartbeats, and every write here still reaches the next one.
 */
describe("the spoken fingerprint in the answer to an IVR node's heartbeat", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi("sqlite", import.meta.filename);
  });
  afterAll(async () => api?.close());

  const beat = async (name = "ivr@pbx1"): Promise<string> => {
    const res = await api.call("POST", `${P}/heartbeats`, { token: "ivr", body: { name, kind: "ivr", version: "test", host: "pbx1", state: "ok", calls: { active: 1, waiting: 0 } } });
    expect(res.statusCode, res.body).toBe(200);
    const spoken = (res.json() as { spoken?: string }).spoken;
    expect(spoken).toEqual(expect.any(String));
    return spoken!;
  };
  const admin = async (method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown) => {
    const res = await api.call(method, `${P}/admin${path}`, { body });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.body ? (res.json() as { guidance?: { id: number }; announcement?: { id: number } }) : null;
  };
  const databaseStatements = async () => sample(await renderMetrics(), "ura_dependency_seconds_count", { dependency: "database" });

  it("many heartbeats in a row read the catalogue, guidance and announcements once: each after the first costs one row (the names' counter)", async () => {
    const first = await beat();
    const before = await databaseStatements();
    for (let i = 0; i < 20; i++) expect(await beat(`ivr@pbx${i % 3}`)).toBe(first);
    expect(await databaseStatements()).toBeLessThanOrEqual(before + 20);
  });

  it("each write to the catalogue, the guidance or the announcements reaches the next heartbeat", async () => {
    let last = await beat();
    const changed = async () => {
      const now = await beat();
      expect(now).not.toBe(last);
      last = now;
    };
    await admin("PATCH", "/catalogue/1", { prompt: "Para sistemas e portais da prefeitura, tecle 1." });
    await changed();
    const guidance = await admin("POST", "/guidance", { key: "1", title: "Troca de senha", text: "Acesse o portal do servidor e escolha esqueci minha senha." });
    await changed();
    await admin("DELETE", `/guidance/${guidance!.guidance!.id}`);
    await changed();
    const notice = await admin("POST", "/announcements", { text: "A rede da Secretaria de Saúde está fora do ar." });
    await changed();
    await admin("POST", `/announcements/${notice!.announcement!.id}/end`);
    await changed();
    const another = await admin("POST", "/announcements", { text: "O sistema de protocolo volta às 14h." });
    await changed();
    await admin("DELETE", `/announcements/${another!.announcement!.id}`);
    await changed();
    // A user's name is said too: a new user moves the names' counter.
    await admin("POST", "/users", { code: "4321", name: "Duda Prado" });
    await changed();
  });

  it("a change another API node wrote to the shared database reaches a heartbeat within seconds", async () => {
    const before = await beat();
    // Straight into the database, as another host's API would: this process hears nothing of it.
    await api.db.store.db.run("UPDATE services SET prompt = ? WHERE id = 2", ["Para computadores e notebooks, tecle 2."]);
    api.now.value = new Date(api.now.value.getTime() + 10_000);
    expect(await beat()).not.toBe(before);
  });
});

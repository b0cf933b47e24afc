import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PREFIX } from "../../src/api/contract.js";
import { openTestApi, type TestApi } from "./helper.js";

type Schema = { type?: string; additionalProperties?: unknown; anyOf?: Schema[]; properties?: Record<string, Schema>; items?: Schema; $ref?: string };
interface Operation {
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

// The document is made from the same zod schemas that validate requests and serialise responses.
describe("the OpenAPI document at /docs/json", () => {
  let api: TestApi;
  let doc: Doc;
  beforeAll(async () => {
    api = await openTestApi("sqlite", import.meta.filename);
    doc = (await api.call("GET", "/docs/json", { token: null })).json();
  });
  afterAll(async () => api?.close());

  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));

  it("documents every route of the API with a tag, a bearer (or console session) requirement and a response schema", () => {
    // Signing in to the console needs nothing yet; every other route says how it is entered.
    const api = operations().filter((o) => o.name.includes(API_PREFIX) && !o.name.endsWith(`${API_PREFIX}/session`));
    expect(api.length).toBeGreaterThanOrEqual(23);
    for (const { name, op } of api) {
      expect(op.tags?.length, name).toBeGreaterThan(0);
      // Admin routes take an admin token or an admin's console session; the console's own routes the session.
      // (GET /status also takes the admin scope, so an admin's session opens it too.)
      const adminScope = name.includes(`${API_PREFIX}/admin/`) || name === `GET ${API_PREFIX}/status`;
      const expected = adminScope ? [{ bearer: [] }, { consoleSession: [] }] : op.security?.some((s) => "bearer" in (s as object)) ? [{ bearer: [] }] : [{ consoleSession: [] }];
      expect(op.security, name).toEqual(expected);
      const ok = Object.keys(op.responses).find((s) => s.startsWith("2"));
      expect(ok, name).toBeDefined();
    }
  });

  it("says every JSON object a request body may be refuses unknown fields", () => {
    let bodies = 0;
    for (const { name, op } of operations()) {
      const schema = op.requestBody?.content["application/json"]?.schema;
      if (!schema) continue;
      bodies++;
      for (const s of schema.anyOf ?? [schema]) if (s.type === "object") expect(s.additionalProperties, name).toBe(false);
    }
    expect(bodies).toBeGreaterThanOrEqual(12);
  });

  it("documents the recursive catalogue as a component that refers to itself", () => {
    const services = doc.paths[`${API_PREFIX}/catalogue`]!.get!.responses["200"]!.content!["application/json"]!.schema.properties!.services!;
    expect(services.items).toEqual({ $ref: "#/components/schemas/ServiceNode" });
    expect(doc.components.schemas.ServiceNode!.properties!.children!.items).toEqual({ $ref: "#/components/schemas/ServiceNode" });
    const admin = doc.paths[`${API_PREFIX}/admin/catalogue`]!.get!.responses["200"]!.content!["application/json"]!.schema.properties!.services!;
    expect(admin.items).toEqual({ $ref: "#/components/schemas/AdminServiceNode" });
  });

  it("documents a saved identification rule's usersInScope (0: the rule reaches no one yet) in the PUT reply and the list", () => {
    const path = doc.paths[`${API_PREFIX}/admin/identification-rules/{scope}/{subject}`]!.put!;
    const rule = path.responses["201"]!.content!["application/json"]!.schema.properties!.rule!;
    const field = rule.properties!.usersInScope as Schema & { description?: string };
    expect(field.type).toBe("integer");
    expect(field.description).toMatch(/^How many users .* 0: the rule applies to no one yet/);
    const list = doc.paths[`${API_PREFIX}/admin/identification-rules`]!.get!.responses["200"]!.content!["application/json"]!.schema.properties!.rules!;
    expect(list.items!.properties!.usersInScope).toEqual(field);
  });

  it("lists text/csv beside JSON for the user import", () => {
    expect(Object.keys(doc.paths[`${API_PREFIX}/admin/users/import`]!.post!.requestBody!.content).sort()).toEqual(["application/json", "text/csv"]);
  });
});

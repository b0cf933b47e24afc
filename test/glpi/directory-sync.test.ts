import { afterEach, describe, expect, it } from "vitest";
import { GlpiClient, planCatalogueSync, planUserSync, type LinkedNode } from "../../src/glpi/index.js";
import { GlpiStandin, type StandinOptions } from "../support/glpi-standin.js";

const USER = "user-token-0123456789";
const running: GlpiStandin[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function fromGlpi(options: StandinOptions) {
  const s = await new GlpiStandin(options).start();
  running.push(s);
  return new GlpiClient({ url: s.url, appToken: "app-token-0123456789", auth: { userToken: USER } });
}

describe("ura users sync-glpi: the plan", () => {
  it("makes our users from GLPI's: code from the registration number, name, mobile, phones as extensions, location as department", async () => {
    const client = await fromGlpi({
      users: [
        { id: 7, login: "ura-ivr", userToken: USER },
        { id: 42, login: "ana.souza", firstname: "Ana", realname: "Souza", registration_number: "1001", mobile: "(45) 99911-1111", phone: "2001", phone2: "45 3520-1000", locations_id: 3 },
        { id: 43, login: "bruno", firstname: "Bruno", realname: "Lima", registration_number: "1002", mobile: "45 3520-2000", is_active: 0 },
        { id: 44, login: "carla", registration_number: "" },
        { id: 45, login: "dup1", registration_number: "1005" },
        { id: 46, login: "dup2", registration_number: "1005" },
        { id: 47, login: "eva", registration_number: "RH-17" },
      ],
    });
    const plan = planUserSync(await client.users());
    expect(plan.users).toEqual([
      { glpiId: 42, input: { code: "1001", name: "Ana Souza", phone: "+5545999111111", extensions: ["2001", "+554535201000"], department: null, active: true } },
      { glpiId: 43, input: { code: "1002", name: "Bruno Lima", phone: null, extensions: [], department: null, active: false } },
    ]);
    expect(plan.warnings).toEqual([{ glpiId: 43, login: "bruno", warning: expect.stringContaining('mobile "45 3520-2000" not used') }]);
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        { glpiId: 7, login: "ura-ivr", reason: "no registration_number" },
        { glpiId: 44, login: "carla", reason: "no registration_number" },
        { glpiId: 45, login: "dup1", reason: "registration_number 1005 is shared by dup1, dup2" },
        { glpiId: 46, login: "dup2", reason: "registration_number 1005 is shared by dup1, dup2" },
        { glpiId: 47, login: "eva", reason: 'registration_number "RH-17" is not 1 to 12 digits' },
      ]),
    );
    expect(plan.skipped).toHaveLength(5);
  });

  it("takes the code from another field when told to, and the location's name with expand_dropdowns", async () => {
    const client = await fromGlpi({ users: [{ id: 7, login: "ura-ivr", userToken: USER }, { id: 42, login: "3001", firstname: "Ana" }] });
    const users = await client.users({ expandDropdowns: true });
    users[1]!.raw.locations_id = "Secretaria de Saúde"; // the stand-in has no locations: as GLPI expands them
    const plan = planUserSync(users, { codeField: "login" });
    expect(plan.users).toEqual([{ glpiId: 42, input: expect.objectContaining({ code: "3001", name: "Ana", department: "Secretaria de Saúde" }) }]);
    expect(planUserSync(users, { codeField: "id" }).users.map((u) => u.input.code)).toEqual(["42", "7"]);
  });
});

describe("ura catalogue sync-glpi: the plan", () => {
  const categories = [
    { id: 1, name: "Computador" },
    { id: 2, name: "Não liga", itilcategories_id: 1 },
    { id: 3, name: "Lento demais", itilcategories_id: 1 },
    { id: 4, name: "Impressoras" },
    { id: 5, name: "Toner", itilcategories_id: 4 },
    { id: 6, name: "Interno", is_helpdeskvisible: 0 },
    { id: 7, name: "Telefonia" },
  ];
  const node = (id: number, key: string, label: string, glpiCategoryId: number | null, children: LinkedNode[] = [], active = true): LinkedNode => ({
    id,
    parentId: null,
    key,
    label,
    prompt: `Para ${label}, tecle ${key}.`,
    active,
    glpiCategoryId,
    children,
  });

  it("a first sync builds two levels from the top categories, keys 1, 2, 3… and leaves hidden categories out", async () => {
    const client = await fromGlpi({ categories });
    const plan = planCatalogueSync(await client.categories(), []);
    expect(plan.actions).toEqual([
      { kind: "create", glpiCategoryId: 1, parent: null, key: "1", label: "Computador" },
      { kind: "create", glpiCategoryId: 2, parent: { glpiCategoryId: 1 }, key: "1", label: "Não liga" },
      { kind: "create", glpiCategoryId: 3, parent: { glpiCategoryId: 1 }, key: "2", label: "Lento demais" },
      { kind: "create", glpiCategoryId: 4, parent: null, key: "2", label: "Impressoras" },
      { kind: "create", glpiCategoryId: 5, parent: { glpiCategoryId: 4 }, key: "1", label: "Toner" },
      { kind: "create", glpiCategoryId: 7, parent: null, key: "3", label: "Telefonia" },
    ]);
  });

  it("keeps the keys and sentences an admin set, follows renames, fills free keys, and deactivates what GLPI dropped", async () => {
    const client = await fromGlpi({ categories: categories.map((c) => (c.id === 3 ? { ...c, name: "Lentidão" } : c)) });
    const tree = [
      node(10, "5", "Computador", 1, [node(11, "3", "Não liga", 2), node(12, "1", "Lento demais", 3), node(13, "2", "Gabinete", 99)]),
      node(20, "1", "Sistemas", null), // an admin's own option, not from GLPI
      node(30, "2", "Rede", 98),
    ];
    const plan = planCatalogueSync(await client.categories(), tree, { roots: [1, 4] });
    expect(plan.actions).toEqual([
      { kind: "rename", nodeId: 12, glpiCategoryId: 3, label: "Lentidão" },
      { kind: "create", glpiCategoryId: 4, parent: null, key: "3", label: "Impressoras" },
      { kind: "create", glpiCategoryId: 5, parent: { glpiCategoryId: 4 }, key: "1", label: "Toner" },
      { kind: "deactivate", nodeId: 13, glpiCategoryId: 99 },
      { kind: "deactivate", nodeId: 30, glpiCategoryId: 98 },
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it("says so when a menu has no key left, or a chosen category does not exist", async () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ id: 100 + i, name: `Opção ${i + 1}`, itilcategories_id: 1 }));
    const client = await fromGlpi({ categories: [{ id: 1, name: "Computador" }, ...many] });
    const plan = planCatalogueSync(await client.categories(), [], { roots: [1, 555] });
    expect(plan.actions.filter((a) => a.kind === "create")).toHaveLength(10);
    expect(plan.warnings).toEqual(['category 555 does not exist in GLPI', 'no key left for "Computador > Opção 10" (nine options at most per menu)']);
  });
});

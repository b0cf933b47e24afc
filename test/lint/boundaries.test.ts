import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/** Lints one line as if it were the file `path` of src/, with the repository's eslint.config.js. */
async function importErrors(path: string, line: string): Promise<string[]> {
  const eslint = new ESLint();
  const [result] = await eslint.lintText(`${line}\nexport { x };\n`, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("eslint enforces the rooms' boundaries", () => {
  it.each([
    ["src/ivr/probe.ts", `import { x } from "../whatsapp/index.js";`, "the flow sees"],
    ["src/ivr/probe.ts", `import { x } from "../domain/index.js";`, "the flow sees"],
    ["src/api/routes/admin/probe.ts", `import { x } from "../../../whatsapp/server.js";`, "only through its index.ts"],
    ["src/whatsapp/probe.ts", `import { x } from "../tts/cache.js";`, "only through its index.ts"],
    ["src/tts/probe.ts", `import type { x } from "../api/contract.js";`, "only through its index.ts"],
    ["src/agi/probe.ts", `import { x } from "../app/ivr.js";`, "only through its index.ts"],
    ["src/domain/probe.ts", `import { x } from "../whatsapp/index.js";`, "src/domain imports only"],
    ["src/domain/ports/probe.ts", `import { x } from "../../api/index.js";`, "src/domain imports only"],
    ["src/domain/probe.ts", `import { x } from "fastify";`, "src/domain talks to ports"],
    ["src/shared/probe.ts", `import { x } from "../config/index.js";`, "imports none of them"],
    ["src/config/probe.ts", `import { x } from "../domain/index.js";`, "src/config imports only src/shared"],
    ["src/cli/commands/probe.ts", `import { x } from "../../tts/cache.js";`, "only through its index.ts"],
    ["src/glpi/probe.ts", `import { x } from "../domain/ports/ticket-backend.js";`, "only through its index.ts"],
    ["src/app/probe.ts", `import { x } from "../api/console/index.js";`, "only through its index.ts"],
    ["src/console/stores/probe.ts", `import { x } from "../../api/console/wallboard/plugin";`, "only through its index.ts"],
  ])("refuses %s: %s", async (path, line, message) => {
    const errors = await importErrors(path, line);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it.each([
    ["src/api/routes/admin/probe.ts", `import { x } from "../../../domain/index.js";`],
    ["src/api/routes/admin/probe.ts", `import { x } from "../../contract.js";`],
    ["src/ivr/probe.ts", `import { x } from "../api/contract.js";`],
    ["src/api-client/probe.ts", `import { x } from "../api/contract.js";`],
    ["src/whatsapp/probe.ts", `export { x } from "../domain/index.js";`],
    ["src/domain/ports/probe.ts", `import { x } from "../../shared/deadline.js";`],
    ["src/domain/probe.ts", `import { x } from "./ports/index.js";`],
    ["src/cli/commands/probe.ts", `import { x } from "../../app/lifecycle.js";`],
    ["src/app/probe.ts", `import { x } from "../emulator/index.js";`],
    ["src/console/stores/probe.ts", `import type { x } from "../../api/console/wallboard/messages";`],
    ["src/console/stores/probe.ts", `import type { x } from "../../api/console/technicians/messages";`],
  ])("allows %s: %s", async (path, line) => {
    expect(await importErrors(path, line)).toEqual([]);
  });
});

import { readdirSync } from "node:fs";
import { URL } from "node:url";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/*
 * Boundaries of the rooms (docs/decisions.md, "Boundaries"): who may import whose files. One rule, eslint's own
 * `no-restricted-imports`, with a regex per room and per folder depth (a specifier is the relative path
 * as written, so `../` reaches src/ from src/<room>/x.ts and `../../` from src/<room>/<dir>/x.ts).
 *
 * - src/shared imports nothing of the rooms; src/config only src/shared.
 * - src/domain (the core) imports only src/config, src/shared and its own files.
 * - Every other room imports another room only through its index.ts, plus src/shared and src/config.
 * - src/ivr (the flow) is narrower: the transport, the speech port and the API contract; no storage.
 * - src/cli and src/app are the wiring: any room's index.ts, and each other's files.
 * - Nothing in src/ imports src/app or src/cli. test/, bench/ and scripts/ are not restricted.
 * - Static imports and re-exports only: a dynamic `import("../x/y.js")` is not checked (src/ has none
 *   across rooms; the one dynamic import is of venom-bot).
 *
 * Documented exceptions (a file other than index.ts that another room may import):
 * - src/api/contract.ts, for src/ivr and src/api-client: the wire contract (zod schemas of every IVR
 *   request and answer) shared by the server and its HTTP client. src/api/index.ts would load
 *   fastify, swagger and the routes into the flow and the client, which only need the schemas.
 * - src/api/console/wallboard/messages.ts and src/api/console/technicians/messages.ts, for src/console
 *   (the browser's code): seed 004's wallboard protocol and the technicians' routes and live socket,
 *   shared by the server and the page, imported as types only. src/api/index.ts would pull the
 *   server into the browser bundle. (Vite's imports carry no `.js`.)
 */
const WIRING = ["app", "cli"];
/** Every folder of src/ is a room (or the wiring), so a new one gets the default rule without editing this file. */
const FOLDERS = readdirSync(new URL("./src/", import.meta.url), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const index = (room) => `${room}/index\\.js$`;
const anything = (dir) => `${dir}/`;
const ANY_ROOM_INDEX = `(?!${WIRING.map(anything).join("|")})[^/]+/index\\.js$`;
const API_CONTRACT = "api/contract\\.js$";
const CONSOLE_PROTOCOLS = "api/console/(wallboard|technicians)/messages(\\.js)?$";

/** What a file in src/<room> may import from other folders of src/ (regex alternatives); a room not listed gets the default below. */
const ALLOWED = {
  shared: [],
  config: [anything("shared")],
  domain: [anything("shared"), index("config")],
  ivr: [anything("shared"), index("config"), index("agi"), index("tts"), API_CONTRACT],
  "api-client": [anything("shared"), ANY_ROOM_INDEX, API_CONTRACT],
  console: [anything("shared"), ANY_ROOM_INDEX, CONSOLE_PROTOCOLS],
  ...Object.fromEntries(WIRING.map((room) => [room, [anything("shared"), ANY_ROOM_INDEX, ...WIRING.map(anything)]])),
};
const allowedFor = (room) => ALLOWED[room] ?? [anything("shared"), ANY_ROOM_INDEX];

const MESSAGES = {
  shared: "src/shared is used by every room and imports none of them",
  config: "src/config imports only src/shared",
  domain: "src/domain imports only src/config, src/shared and its own files: adapters implement its ports",
  ivr: "the flow sees the transport, the speech port and the API contract (src/api/contract.ts) only, through their index.ts",
};
const messageFor = (room) =>
  MESSAGES[room] ?? "a room imports another room only through its index.ts (see the exceptions listed in eslint.config.js)";

/** Libraries a room must not use directly (it talks to ports instead). */
const LIBRARIES = {
  domain: { group: ["ding-dong", "fastify", "@fastify/*", "@aws-sdk/*", "venom-bot", "puppeteer*"], message: "src/domain talks to ports, not to adapters' libraries" },
  ivr: { group: ["ding-dong", "fastify", "mysql2*", "better-sqlite3", "@aws-sdk/*", "venom-bot"], message: "src/ivr talks to ports, not libraries" },
};

/**
 * One config block per folder depth of src/<room>: the specifier that climbs to src/ and names a folder
 * it may not import. With no room, the blocks match any folder of src/ (a room not created yet).
 */
function boundaries(room) {
  const alternatives = [...(room ? [`${room}/`] : []), ...allowedFor(room)].join("|");
  return [1, 2, 3, 4, 5].map((depth) => ({
    files: [`src/${room ?? "*"}/${"*/".repeat(depth - 1)}*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // Climbs exactly `depth` levels to src/, then names a folder of src/ that is not allowed.
            { regex: `^(\\.\\./){${depth}}(?!\\.\\./)(?!(${alternatives}))`, message: messageFor(room) },
            ...(LIBRARIES[room] ? [LIBRARIES[room]] : []),
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "data/", "bench/results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  {
    files: ["bin/**/*.js"],
    languageOptions: { globals: { process: "readonly" } },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
    },
  },
  // Any folder first (the default rule, own-room paths through src/ aside), then each folder that exists.
  ...boundaries(null),
  ...FOLDERS.flatMap(boundaries),
);

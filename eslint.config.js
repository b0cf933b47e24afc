import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** src/domain files at one depth (`up` reaches src/) may import only config, shared and the domain's own files. */
function domainImportsOnly(files, up) {
  const escaped = up.replaceAll(".", "\\.");
  return {
    files: [files],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: `^${escaped}(?!config/|shared/)`, message: "src/domain imports only src/config, src/shared and its own files: adapters implement its ports" },
            { group: ["ding-dong", "fastify", "@fastify/*", "@aws-sdk/*", "venom-bot", "puppeteer*"], message: "src/domain talks to ports, not to adapters' libraries" },
          ],
        },
      ],
    },
  };
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
  {
    // The call flow talks to ports only: never to the transport library, the web framework or SQL.
    files: ["src/ivr/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["ding-dong", "fastify", "mysql2*", "better-sqlite3", "@aws-sdk/*", "venom-bot"], message: "src/ivr talks to ports, not libraries" },
            {
              group: ["../agi/*", "!../agi/index.js", "../api/*", "!../api/index.js", "!../api/contract.js", "../domain/*", "../tts/*", "!../tts/index.js", "!../tts/types.js", "../whatsapp/*"],
              message: "the flow sees a module's index.ts (and the API contract), never its internals",
            },
          ],
        },
      ],
    },
  },
  // The domain is the core: it imports nothing but src/config, src/shared and its own files.
  domainImportsOnly("src/domain/*.ts", "../"),
  domainImportsOnly("src/domain/*/**/*.ts", "../../"),
);

import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
);

#!/usr/bin/env node
// The `ura` command runs the compiled CLI that `npm run build` writes (npm install, npm start and
// npm test build it). Never the TypeScript sources: tsx is a development tool, absent from the images.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const built = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");
if (!existsSync(built)) {
  process.stderr.write(`ura: ${built} does not exist: run \`npm run build\` first (npm install does it)\n`);
  process.exit(1);
}
await import(pathToFileURL(built).href);

/**
 * `npm run build:console` (part of `npm run build`, so of `npm install` and `npm start`): checks
 * the console's types with vue-tsc, then builds src/console with Vite into dist/console, with a
 * .gz and a .br beside each text file. Skipped when dist/console was built from exactly these
 * sources (a hash stamp), so `npm start` and `npm run ura` do not pay ~20 s each time;
 * `--force` builds anyway.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCE_DIR = join(ROOT, "src/console");
export const CONSOLE_OUT_DIR = join(ROOT, "dist/console");
const STAMP = join(CONSOLE_OUT_DIR, ".source-hash");
/** src/console and what it imports from outside it (the sockets' message types, the one Backoff), and the locked versions. */
const INPUTS = ["src/console", "src/api/console/wallboard/messages.ts", "src/api/console/technicians/messages.ts", "src/shared/backoff.ts", "scripts/build-console.ts", "package-lock.json"];

/** The hash of everything the build reads. */
export function consoleSourceHash(): string {
  const hash = createHash("sha256");
  const add = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    hash.update(relative(ROOT, path)).update("\0").update(readFileSync(path)).update("\0");
  };
  for (const input of INPUTS) add(join(ROOT, input));
  return hash.digest("hex");
}

/** dist/console was built from the sources as they are now. */
export function consoleBuildIsFresh(): boolean {
  return existsSync(STAMP) && readFileSync(STAMP, "utf8") === consoleSourceHash();
}

/** Type check, build, compress; returns the sizes of what a first visit loads. */
export async function buildConsole(): Promise<{ files: string[]; raw: number; gzip: number; brotli: number }> {
  const hash = consoleSourceHash();
  const require = createRequire(import.meta.url);
  // vue-tsc stops the build on a type error in a component, as tsc does for the server.
  execFileSync(process.execPath, [require.resolve("vue-tsc/bin/vue-tsc.js"), "-p", join(SOURCE_DIR, "tsconfig.json")], { stdio: "inherit" });
  // Always Vue's production build: a build started under vitest inherits NODE_ENV=test, and Vite then
  // bundled Vue's development build (warnings and all, +33 KB raw in the first load).
  process.env.NODE_ENV = "production";
  // Loaded here, not at the top: the tests import the freshness check without loading Vite.
  const [{ build }, { default: vue }] = await Promise.all([import("vite"), import("@vitejs/plugin-vue")]);
  let sizes = { files: [] as string[], raw: 0, gzip: 0, brotli: 0 };
  await build({
    configFile: false,
    root: SOURCE_DIR,
    mode: "production",
    base: "/",
    publicDir: "public",
    logLevel: "warn",
    plugins: [vue(), precompress((s) => (sizes = s))],
    build: {
      outDir: CONSOLE_OUT_DIR,
      emptyOutDir: true,
      // Old desktops: Chrome 87 / Firefox 78 (ESR) / Edge 88 / Safari 14 and newer.
      target: ["chrome87", "edge88", "firefox78", "safari14"],
      // One small bundle: nothing to gain from a preload polyfill or an inlined asset.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      sourcemap: false,
      reportCompressedSize: false,
    },
  });
  writeFileSync(STAMP, hash);
  return sizes;
}

/**
 * Writes .gz and .br beside every text file, so the server sends them as they are
 * (@fastify/static preCompressed) instead of compressing per request.
 */
function precompress(report: (sizes: { files: string[]; raw: number; gzip: number; brotli: number }) => void): Plugin {
  return {
    name: "ura-precompress",
    apply: "build",
    closeBundle() {
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (/\.(html|js|css|svg|json|txt)$/.test(name)) files.push(path);
        }
      };
      walk(CONSOLE_OUT_DIR);
      const sizes = { files: files.map((f) => relative(CONSOLE_OUT_DIR, f)), raw: 0, gzip: 0, brotli: 0 };
      for (const file of files) {
        const data = readFileSync(file);
        const gz = gzipSync(data, { level: 9 });
        const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
        writeFileSync(`${file}.gz`, gz);
        writeFileSync(`${file}.br`, br);
        sizes.raw += data.length;
        sizes.gzip += gz.length;
        sizes.brotli += br.length;
      }
      report(sizes);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes("--force") && consoleBuildIsFresh()) {
    process.stdout.write("console: dist/console is up to date\n");
  } else {
    const { files, raw, gzip, brotli } = await buildConsole();
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    process.stdout.write(`console: built dist/console (${files.join(", ")}): ${kb(raw)} raw, ${kb(gzip)} gzip, ${kb(brotli)} brotli\n`);
  }
}

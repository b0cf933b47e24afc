import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import vue from "@vitejs/plugin-vue";
import { defineConfig, type Plugin } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const outDir = fileURLToPath(new URL("../../dist/console", import.meta.url));

/**
 * Writes .gz and .br beside every text file, so the server sends them as they are
 * (@fastify/static preCompressed) instead of compressing per request; then prints what a first
 * visit costs (docs/console.md states it).
 */
function precompress(): Plugin {
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
      walk(outDir);
      let raw = 0;
      let gzip = 0;
      let brotli = 0;
      for (const file of files) {
        const data = readFileSync(file);
        const gz = gzipSync(data, { level: 9 });
        const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
        writeFileSync(`${file}.gz`, gz);
        writeFileSync(`${file}.br`, br);
        raw += data.length;
        gzip += gz.length;
        brotli += br.length;
      }
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      console.log(`console build: ${files.map((f) => relative(outDir, f)).join(", ")}: ${kb(raw)} raw, ${kb(gzip)} gzip, ${kb(brotli)} brotli`);
    },
  };
}

export default defineConfig({
  root: here,
  base: "/",
  publicDir: "public",
  logLevel: "warn",
  plugins: [vue(), precompress()],
  build: {
    outDir,
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

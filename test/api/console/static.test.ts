import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePlugin } from "../../../src/api/console/index.js";
import { openTestApi, type TestApi } from "../helper.js";

// A build as Vite leaves it: index.html, hashed assets with .gz beside them, public files.
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), "ura-console-"));
  mkdirSync(join(root, "assets"));
  mkdirSync(join(root, "sounds"));
  const html = '<!doctype html><html lang="pt-BR"><script type="module" src="/assets/index-abc123.js"></script></html>';
  const js = `console.log(${JSON.stringify("x".repeat(4000))});`;
  writeFileSync(join(root, "index.html"), html);
  writeFileSync(join(root, "index.html.gz"), gzipSync(html));
  writeFileSync(join(root, "assets", "index-abc123.js"), js);
  writeFileSync(join(root, "assets", "index-abc123.js.gz"), gzipSync(js));
  writeFileSync(join(root, "sounds", "novo-chamado.wav"), Buffer.from("RIFF....WAVEfmt "));
  return root;
}

describe("console pages on the API's port", () => {
  let api: TestApi;
  let root: string;
  beforeAll(async () => {
    root = fakeBuild();
    api = await openTestApi("sqlite", import.meta.filename, {}, [consolePlugin({ webRoot: root })]);
  });
  afterAll(async () => {
    await api?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the page at / with a policy that allows nothing from outside this server", async () => {
    // As Chromium asks for it: the pre-compressed page, with the same headers as the plain one.
    const res = await api.call("GET", "/", { token: null, headers: { "accept-encoding": "gzip, deflate, br, zstd" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(res.rawPayload).toString()).toContain('lang="pt-BR"');
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["cache-control"]).toBe("no-cache");
  });

  it("sends the pre-compressed file to a browser that accepts gzip, and caches hashed assets for good", async () => {
    const res = await api.call("GET", "/assets/index-abc123.js", { token: null, headers: { "accept-encoding": "gzip" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(gunzipSync(res.rawPayload).toString()).toContain("console.log");
    const plain = await api.call("GET", "/assets/index-abc123.js", { token: null });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toContain("console.log");
  });

  it("serves the alert sounds the wallboard's new_ticket_alert points at", async () => {
    const res = await api.call("GET", "/sounds/novo-chamado.wav", { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/audio\/(x-)?wav/);
  });

  it("keeps the API's JSON 404 and its allow-list", async () => {
    const missing = await api.call("GET", "/api/v1/nothing");
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: "not_found" });
    expect((await api.call("GET", "/assets/missing.js", { token: null })).json()).toMatchObject({ error: "not_found" });
    expect((await api.call("GET", "/", { token: null, address: "192.0.2.9" })).statusCode).toBe(403);
    expect((await api.call("GET", "/../package.json", { token: null })).statusCode).not.toBe(200);
  });
});

describe("console not built", () => {
  it("says so at / in pt-BR (503) while the API keeps working", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ura-console-empty-"));
    const api = await openTestApi("sqlite", import.meta.filename + "-empty", {}, [consolePlugin({ webRoot: empty })]);
    try {
      const res = await api.call("GET", "/", { token: null });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain("Console não compilado");
      expect(res.body).toContain("npm run build");
      expect((await api.call("GET", "/ping", { token: null })).json()).toEqual({ pong: true });
    } finally {
      await api.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

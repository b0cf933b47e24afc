import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { posix } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { commands } from "../../src/cli/commands/index.js";
import { loadSettings, settingsSchema, type Settings } from "../../src/config/index.js";
import { IpAllowList } from "../../src/shared/ip-allow-list.js";
import { audioLocatorFromSettings } from "../../src/tts/index.js";
import { chain as chainOf, dockerfileStages, lockedNodeEngines, lockedPackages, NODE_LTS, nodeSatisfies, omittedKinds, packageName } from "./images.js";

/**
 * No Docker engine runs here, so docker-compose.yml and the Dockerfile are checked for what would
 * break them quietly: a setting name the schema does not have (ura would ignore it and run on its
 * default), a value the schema refuses, ports and addresses that do not line up with the dialplan
 * and with each other, health checks on routes that do not exist, a command the CLI does not have.
 */

const SETTINGS = new Set(Object.keys(settingsSchema.shape));
const raw = readFileSync("docker-compose.yml", "utf8");

/** What an operator would export; the test addresses stand for the PBX and this host. */
const DEPLOY_ENV: Record<string, string> = {
  DEPLOY_PBX_ADDRESS: "10.0.0.20",
  DEPLOY_HOST_ADDRESS: "10.0.0.5",
  DEPLOY_MYSQL_PASSWORD: "dbSecret123",
  DEPLOY_MYSQL_ROOT_PASSWORD: "rootSecret456",
  DEPLOY_WHATSAPP_TOKEN: "waToken789",
};

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === "$$") return "$";
    const value = env[name!];
    const unset = value === undefined || (op?.startsWith(":") === true && value === "");
    if (op === undefined) return value ?? "";
    if (op.endsWith("-")) return unset ? arg! : value!;
    if (unset) throw new Error(`required variable ${name}: ${arg}`);
    return value!;
  });
}

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  networks?: Record<string, { ipv4_address?: string } | null>;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  networks: Record<string, { ipam?: { config: { subnet: string }[] } }>;
}

const compose = parse(interpolate(raw, DEPLOY_ENV)) as Compose;
const { ura, whatsapp, mysql } = compose.services as Record<"ura" | "whatsapp" | "mysql", Service>;

function envOf(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? "" : String(v)]));
}
function settingsOf(service: Service): Settings {
  return loadSettings({ env: envOf(service), envFile: false });
}
function seconds(duration: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!m) throw new Error(`duration ${duration}`);
  return Number(m[1]) * (m[2] === "ms" ? 0.001 : m[2] === "m" ? 60 : 1);
}
/** "HOST:CONTAINER" or "IP:HOST:CONTAINER" → [host, container]. */
function published(service: Service): [number, number][] {
  return (service.ports ?? []).map((p) => {
    const parts = p.replace(/\/tcp$/, "").split(":");
    return [Number(parts.at(-2)), Number(parts.at(-1))];
  });
}

// ── the Dockerfile, read as stages ───────────────────────────────────────────────────────────────
const stages = dockerfileStages(readFileSync("Dockerfile", "utf8"));
const chain = (name: string) => chainOf(stages, name);
/** The one base image every stage starts from, and its Node major. */
const IMAGE = stages[0]!.from;
const IMAGE_MAJOR = Number(/^node:(\d+)-bookworm-slim$/.exec(IMAGE)?.[1]);
function execForm(lines: string[], instruction: "CMD" | "ENTRYPOINT"): string[] {
  const line = lines.filter((l) => l.startsWith(`${instruction} `)).at(-1);
  if (!line) return [];
  return JSON.parse(line.slice(instruction.length + 1)) as string[];
}

describe("docker-compose.yml", () => {
  it("needs the DEPLOY_* variables, and none of them is mistaken for a ura setting", () => {
    const names = new Set([...raw.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    for (const name of names) {
      expect(name, "compose-level variables are DEPLOY_*").toMatch(/^DEPLOY_/);
      expect(SETTINGS.has(name)).toBe(false);
    }
    for (const required of Object.keys(DEPLOY_ENV)) {
      const without = { ...DEPLOY_ENV };
      delete without[required];
      expect(() => interpolate(raw, without), required).toThrow(required);
    }
  });

  it("names only real settings in the environment of ura and whatsapp", () => {
    for (const [name, service] of [["ura", ura], ["whatsapp", whatsapp]] as const) {
      const keys = Object.keys(service.environment ?? {});
      expect(keys.length, name).toBeGreaterThan(3);
      for (const key of keys) expect(SETTINGS.has(key), `${name}: ${key} is not in src/config/schema.ts`).toBe(true);
    }
    // mysql's are the official image's own variables.
    for (const key of Object.keys(mysql.environment ?? {})) {
      expect(["MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"]).toContain(key);
    }
  });

  it("gives values the settings schema accepts (loadSettings does not throw)", () => {
    const s = settingsOf(ura);
    expect(s).toMatchObject({ DB_DRIVER: "mysql", SENDER_DRIVER: "venom", AUDIO_MODE: "http", TTS_ENGINE: "espeak", AGI_HOST: "0.0.0.0", API_HOST: "0.0.0.0" });
    const w = settingsOf(whatsapp);
    expect(w).toMatchObject({ WHATSAPP_HOST: "0.0.0.0", CHROMIUM_PATH: "/usr/bin/chromium" });
    // Start-up's own check of the audio URL, and what Asterisk is handed.
    expect(audioLocatorFromSettings(s).reference("prompts", "greeting")).toBe(`http://${DEPLOY_ENV.DEPLOY_HOST_ADDRESS}:8080/audio/prompts/greeting.sln`);
  });

  it("publishes the AGI port the dialplan connects to, and the API port", () => {
    const s = settingsOf(ura);
    const conf = readFileSync("asterisk-dialplan/extensions_custom.conf", "utf8");
    const agi = /Set\(URA_AGI=agi:\/\/[^:/]+:(\d+)\)/.exec(conf);
    expect(agi, "URA_AGI in extensions_custom.conf").not.toBeNull();
    const ports = published(ura);
    expect(ports).toContainEqual([Number(agi![1]), s.AGI_PORT]);
    expect(ports).toContainEqual([s.API_PORT, s.API_PORT]);
    // The audio URL Asterisk fetches is the published API port.
    expect(new URL(s.AUDIO_HTTP_BASE_URL).port).toBe(String(s.API_PORT));
    // mysql and whatsapp stay on the compose network.
    expect(mysql.ports ?? []).toEqual([]);
    expect(whatsapp.ports ?? []).toEqual([]);
  });

  it("wires the services to each other: database, WhatsApp sender, allow-lists", () => {
    const s = settingsOf(ura);
    const w = settingsOf(whatsapp);
    const db = new URL(s.DATABASE_URL);
    const m = envOf(mysql);
    expect([db.protocol, db.hostname, db.port || "3306", db.pathname]).toEqual(["mysql:", "mysql", "3306", `/${m.MYSQL_DATABASE}`]);
    expect([db.username, db.password]).toEqual([m.MYSQL_USER, m.MYSQL_PASSWORD]);

    const wa = new URL(s.WHATSAPP_URL);
    expect([wa.hostname, Number(wa.port)]).toEqual(["whatsapp", w.WHATSAPP_PORT]);
    expect(s.WHATSAPP_TOKEN).not.toBe("");
    expect(s.WHATSAPP_TOKEN).toBe(w.WHATSAPP_TOKEN);
    const uraAddress = ura.networks?.ura?.ipv4_address;
    expect(uraAddress).toBeDefined();
    expect(new IpAllowList(w.WHATSAPP_ALLOWED_CLIENTS).allows(uraAddress)).toBe(true);
    const subnet = compose.networks.ura!.ipam!.config[0]!.subnet.split("/");
    expect(new IpAllowList([subnet.join("/")]).allows(uraAddress)).toBe(true);

    // The PBX may open AGI sessions and fetch audio; the in-container IVR and the health check use loopback.
    expect(new IpAllowList(s.AGI_ALLOWED_PEERS).allows(DEPLOY_ENV.DEPLOY_PBX_ADDRESS)).toBe(true);
    const api = new IpAllowList(s.API_ALLOWED_CLIENTS);
    expect(api.allows(DEPLOY_ENV.DEPLOY_PBX_ADDRESS)).toBe(true);
    expect(api.allows("127.0.0.1")).toBe(true);
    expect(new IpAllowList(s.AGI_ALLOWED_PEERS).allows("192.0.2.1")).toBe(false);

    expect(ura.depends_on?.mysql?.condition).toBe("service_healthy");
  });

  it("keeps data, sounds, the WhatsApp session and the database on declared volumes", () => {
    const s = settingsOf(ura);
    const w = settingsOf(whatsapp);
    const mounts = (service: Service) => new Map((service.volumes ?? []).map((v) => v.split(":") as [string, string]).map(([src, dst]) => [dst, src]));
    const expected: [Service, string][] = [
      [ura, s.DATA_DIR],
      [ura, s.SOUNDS_DIR],
      [whatsapp, w.WHATSAPP_SESSION_DIR],
      [mysql, "/var/lib/mysql"],
    ];
    for (const [service, dir] of expected) {
      const volume = mounts(service).get(dir.trim());
      expect(volume, `a volume at ${dir}`).toBeDefined();
      expect(Object.keys(compose.volumes), volume).toContain(volume);
    }
    for (const service of Object.values(compose.services)) {
      for (const [, src] of mounts(service)) if (!src.startsWith(".") && !src.startsWith("/")) expect(Object.keys(compose.volumes)).toContain(src);
    }
  });

  it("lets calls in progress finish before Docker kills ura", () => {
    const s = settingsOf(ura);
    expect(seconds(ura.stop_grace_period ?? "10s") * 1000).toBeGreaterThan(s.AGI_DRAIN_TIMEOUT_MS);
  });
});

describe("health checks", () => {
  const route = (file: string) => /app\.get\(\s*"\/health"/.test(readFileSync(file, "utf8"));

  it("every service has one; ura's and whatsapp's call the real /health routes on their ports", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test?.[0], name).toMatch(/^CMD/);
    }
    expect(route("src/api/routes/health.ts")).toBe(true);
    expect(route("src/whatsapp/server.ts")).toBe(true);
    expect(ura.healthcheck!.test.join(" ")).toContain(`http://127.0.0.1:${settingsOf(ura).API_PORT}/health`);
    expect(whatsapp.healthcheck!.test.join(" ")).toContain(`http://127.0.0.1:${settingsOf(whatsapp).WHATSAPP_PORT}/health`);
  });

  // Five Node processes start one after the other: on a loaded machine each takes seconds (the five
  // outlasted 30 s under load, session 21). Their start-up time is the machine's, not what is tested.
  it("the node one-liners exit 0 on 200 and 1 on 503 or no answer", { timeout: 180_000 }, async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/health" ? status : 404).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const run = async (test: string[], to: number): Promise<number> => {
      const [, command, ...rest] = test;
      expect(command).toBe("node");
      const argv = rest.map((a) => a.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${to}`));
      try {
        await promisify(execFile)(process.execPath, argv, { timeout: 30_000 });
        return 0;
      } catch (err) {
        return (err as { code?: number }).code ?? -1;
      }
    };
    try {
      for (const service of [ura, whatsapp]) {
        status = 200;
        expect(await run(service.healthcheck!.test, port)).toBe(0);
        status = 503;
        expect(await run(service.healthcheck!.test, port)).toBe(1);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await run(ura.healthcheck!.test, port)).toBe(1); // nothing listening
  });
});

describe("Dockerfile", () => {
  const names = new Set(commands.map((c) => c.name));

  it("builds on a Node LTS line that is not past its end of life, on Debian bookworm-slim, with the targets compose asks for", () => {
    const bases = new Set(stages.filter((stage) => !stages.some((s) => s.name === stage.from)).map((s) => s.from));
    expect([...bases]).toEqual([IMAGE]);
    expect(NODE_LTS[IMAGE_MAJOR], `${IMAGE} is not an LTS line`).toBeDefined();
    const endOfLife = NODE_LTS[IMAGE_MAJOR]!.endOfLife;
    expect(new Date(endOfLife).getTime(), `Node ${IMAGE_MAJOR} reached its end of life on ${endOfLife}: move the Dockerfile's NODE_IMAGE on`).toBeGreaterThan(Date.now());
    for (const service of [ura, whatsapp]) expect(stages.map((s) => s.name)).toContain(service.build?.target);
    expect(stages.at(-1)!.name, "a plain `docker build .` gives the ura image").toBe("ura");
  });

  it("package.json engines admits the Node the tests run on and the image's, and the lock file agrees", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } };
    const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, { engines?: { node?: string } }> };
    expect(lock.packages[""]!.engines?.node).toBe(pkg.engines.node);
    expect(nodeSatisfies(process.versions.node, pkg.engines.node), `tests run on ${process.versions.node}`).toBe(true);
    expect(nodeSatisfies(NODE_LTS[IMAGE_MAJOR]!.firstLts, pkg.engines.node)).toBe(true);
  });

  it("every locked package declares support for the image's Node (npm ci installs them all in the build stage)", () => {
    const refusing = [...lockedNodeEngines()].filter(([, range]) => !nodeSatisfies(NODE_LTS[IMAGE_MAJOR]!.firstLts, range));
    expect(refusing).toEqual([]);
    // better-sqlite3 lists the majors it ships prebuilt binaries for; the build stage's compilers cover the rest.
    expect(nodeSatisfies(NODE_LTS[IMAGE_MAJOR]!.firstLts, lockedNodeEngines().get("node_modules/better-sqlite3")!)).toBe(true);
  });

  it("on the Node the tests run on, only the packages docs/operations.md names declare they need a newer one", () => {
    // cookie 2 (light-my-request, fastify's inject) and content-disposition 3 (@fastify/static) declare
    // node >=22 and pass this suite on Node 20: the image runs 24, where they are supported.
    const known = ["node_modules/content-disposition", "node_modules/cookie"];
    const refusing = [...lockedNodeEngines()].filter(([, range]) => !nodeSatisfies(process.versions.node, range)).map(([path]) => path);
    expect(refusing.filter((path) => !known.includes(path))).toEqual([]);
    const operations = readFileSync("docs/operations.md", "utf8");
    for (const path of known) expect(operations.includes(`\`${packageName(path)}\``), `docs/operations.md names ${packageName(path)}`).toBe(true);
  });

  it("reads engines ranges as npm does, for the forms the lock file holds", () => {
    expect(nodeSatisfies("20.20.2", ">=20.19")).toBe(true);
    expect(nodeSatisfies("20.18.1", ">=20.19")).toBe(false);
    expect(nodeSatisfies("20.20.2", ">=22")).toBe(false);
    expect(nodeSatisfies("24.11.0", "^20.19.0 || >=22.12.0")).toBe(true);
    expect(nodeSatisfies("22.11.0", "^20.19.0 || ^22.13.0 || >=24")).toBe(false);
    expect(nodeSatisfies("24.11.0", "20.x || 22.x || 23.x || 24.x || 25.x || 26.x")).toBe(true);
    expect(nodeSatisfies("27.0.0", "20.x || 22.x || 23.x || 24.x || 25.x || 26.x")).toBe(false);
    expect(nodeSatisfies("14.16.0", ">=16 || 14 >=14.17")).toBe(false);
    expect(nodeSatisfies("24.11.0", ">= 0.10")).toBe(true);
    expect(nodeSatisfies("24.11.0", "*")).toBe(true);
    expect(() => nodeSatisfies("24.11.0", "latest")).toThrow("latest");
  });

  it("runs the compiled CLI with commands that exist: ura start and ura whatsapp", () => {
    // Where tsc -p tsconfig.build.json puts src/cli/main.ts.
    const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { compilerOptions: { rootDir: string; outDir: string } };
    const main = posix.join("/app", build.compilerOptions.outDir, posix.relative(build.compilerOptions.rootDir, "src/cli/main.ts").replace(/\.ts$/, ".js"));
    for (const [target, command] of [["ura", "start"], ["whatsapp", "whatsapp"]] as const) {
      const lines = chain(target);
      expect(execForm(lines, "ENTRYPOINT"), target).toEqual(["node", main]);
      const cmd = execForm(lines, "CMD");
      expect(names.has(cmd[0]!), `${target}: ura ${cmd[0]}`).toBe(true);
      expect(cmd, target).toEqual([command]);
      expect(lines, target).toContain("USER node");
    }
    expect(chain("ura").some((l) => l.includes(main))).toBe(true); // the `ura` wrapper for docker compose exec
  });

  it("compiles with npm ci (its prepare script is npm run build), never downloading a browser", () => {
    const build = chain("build");
    const npmCi = build.findIndex((l) => /^RUN npm ci\b/.test(l));
    const skip = build.findIndex((l) => /^ENV .*PUPPETEER_SKIP_DOWNLOAD=true/.test(l) && /PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=true/.test(l));
    expect(npmCi).toBeGreaterThan(-1);
    expect(skip, "PUPPETEER_SKIP_* set before npm ci").toBeGreaterThan(-1);
    expect(skip).toBeLessThan(npmCi);
    expect(build.some((l) => /^COPY .*\.puppeteerrc\.cjs/.test(l))).toBe(true);
    // What prepare compiles is there before npm ci runs it.
    const copied = (what: RegExp) => build.findIndex((l) => /^COPY /.test(l) && what.test(l));
    // (scripts/ holds the console's build, which npm run build runs after tsc.)
    for (const what of [/\btsconfig\.build\.json\b/, /\btsconfig\.json\b/, /^COPY src \.\/src$/, /^COPY scripts \.\/scripts$/]) {
      expect(copied(what), String(what)).toBeGreaterThan(-1);
      expect(copied(what), String(what)).toBeLessThan(npmCi);
    }
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBe("npm run build");
    expect(scripts.build).toBe("tsc -p tsconfig.build.json && npm run build:console");
    expect(scripts["build:console"]).toBe("node --import tsx scripts/build-console.ts");
    expect(readFileSync("Dockerfile", "utf8")).not.toMatch(/npm install\b/);
  });

  it("the ura image's node_modules carry no browser stack; the whatsapp image's do", () => {
    const browserStack = ["venom-bot", "puppeteer", "puppeteer-core", "sharp", "chromium", "chromium-bidi"];
    const ura = omittedKinds(stages, "ura");
    expect([...ura].sort()).toEqual(["dev", "optional"]);
    const uraNames = new Set(lockedPackages(ura).map(packageName));
    expect(browserStack.filter((name) => uraNames.has(name))).toEqual([]);
    expect([...uraNames].filter((name) => /^@img\/sharp|puppeteer|venom/.test(name))).toEqual([]);
    // What the IVR and the API need is there.
    for (const needed of ["fastify", "better-sqlite3", "mysql2", "zod", "pino", "@aws-sdk/client-polly"]) expect(uraNames.has(needed), needed).toBe(true);

    const whatsapp = omittedKinds(stages, "whatsapp");
    expect([...whatsapp]).toEqual(["dev"]);
    const whatsappNames = new Set(lockedPackages(whatsapp).map(packageName));
    for (const needed of ["venom-bot", "puppeteer", "sharp"]) expect(whatsappNames.has(needed), needed).toBe(true);
    // Neither carries the development tools (typescript stays in the whatsapp image: cosmiconfig, under puppeteer, names it as an optional peer).
    expect(["typescript", "tsx", "vitest", "eslint"].filter((n) => uraNames.has(n))).toEqual([]);
    expect(["tsx", "vitest", "eslint"].filter((n) => whatsappNames.has(n))).toEqual([]);
  });

  it("puts Chromium in the whatsapp image only, espeak-ng in the ura image", () => {
    const installs = (target: string) => chain(target).filter((l) => /apt-get install/.test(l)).join(" ");
    expect(installs("whatsapp")).toMatch(/\bchromium\b/);
    expect(chain("whatsapp").some((l) => /^ENV .*PUPPETEER_SKIP_DOWNLOAD=true/.test(l))).toBe(true);
    expect(chain("whatsapp").some((l) => /^ENV .*CHROMIUM_PATH=\/usr\/bin\/chromium/.test(l))).toBe(true);
    expect(installs("ura")).toMatch(/\bespeak-ng\b/);
    expect(installs("ura")).not.toMatch(/\bchromium\b/);
  });

  it("copies what dist/ looks for beside it, and .dockerignore keeps secrets and data out", () => {
    const runtime = chain("ura");
    for (const dir of ["sql", "sounds"]) expect(runtime, dir).toContain(`COPY ${dir} ./${dir}`);
    const ignored = readFileSync(".dockerignore", "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const secret of [".env", "*.local", "data", "node_modules", ".git"]) expect(ignored).toContain(secret);
    for (const copied of ["src", "sql", "sounds", "package.json", "package-lock.json", ".puppeteerrc.cjs", "tsconfig.build.json", ".npmrc"]) {
      expect(ignored, copied).not.toContain(copied);
    }
  });
});

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, dropDatabase, type DbChoice } from "./db.js";
import { createBenchUsers, prewarmTts } from "./fixtures.js";
import { OutboxReader } from "./outbox.js";
import { benchUsers, EXTENSION_USER, type BenchUser } from "./scenario.js";
import { benchServiceEnv, describeExit, freePort, runUra, startService, waitForPort, type Exit, type Service } from "./service.js";

export interface PrepareOptions {
  db: DbChoice;
  /** How many test users to import (each call takes one; a user is never in two calls at once). */
  users: number;
  /** `ura api` and `ura ivr` as two processes, instead of `ura start`. */
  split: boolean;
  /** Run the service under `node --cpu-prof` into this directory. */
  profile: string | null;
  /** Database connections for MySQL (the API's pool). */
  poolSize: number;
  /** AGI_MAX_CALLS for the service; default its own (100). */
  maxCalls?: number;
  /** LOG_LEVEL for the service; default warn (production's default is info). */
  logLevel?: string;
  log: (msg: string) => void;
}

/** A running service under test: its ports, processes, users and the WhatsApp outbox it writes. */
export interface PreparedService {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  agiPort: number;
  apiPort: number;
  adminToken: string;
  /** The fresh MariaDB database (--db mysql), dropped by `cleanup`. */
  db: { name: string; url: string } | null;
  /** `ura start`, or `ura api` then `ura ivr`. */
  services: Service[];
  /** When the processes were spawned (the origin of a CPU profile's timeline). */
  spawnedAt: number;
  users: BenchUser[];
  outbox: OutboxReader;
  notes: string[];
  /** SIGTERM every process (graceful drain); errors name the process that did not stop cleanly. */
  stop(): Promise<string[]>;
  /** Stops what still runs, drops the database and removes the data directory. */
  cleanup(errors: string[]): Promise<void>;
}

/**
 * Starts the compiled service as a user would, on loopback ports and a temporary DATA_DIR (and a
 * fresh MariaDB database with --db mysql), imports the test users through the admin API and fills
 * the TTS cache (`ura tts prewarm`), so no call waits for synthesis.
 */
export async function prepareService(o: PrepareOptions): Promise<PreparedService> {
  const dataDir = await mkdtemp(join(tmpdir(), "ura-bench-"));
  const [agiPort, apiPort] = [await freePort(), await freePort()];
  const secret = () => randomBytes(24).toString("base64url");
  const [ivrToken, adminToken] = [secret(), secret()];
  const db = o.db === "mysql" ? await createDatabase() : null;
  const env: NodeJS.ProcessEnv = {
    ...benchServiceEnv({ agiPort, apiPort, dataDir, apiTokens: `ivr:ivr:${ivrToken},bench:admin:${adminToken}`, ivrToken }),
    DB_DRIVER: o.db,
    ...(db ? { DATABASE_URL: db.url, DB_POOL_SIZE: String(o.poolSize) } : {}),
    // Each test user may get a code at most this many times an hour; the bench reuses users.
    OTP_MAX_PER_HOUR: "100",
    ...(o.maxCalls !== undefined ? { AGI_MAX_CALLS: String(o.maxCalls) } : {}),
    ...(o.logLevel !== undefined ? { LOG_LEVEL: o.logLevel } : {}),
    // Callers are test users, not a brute-force attack; the production limits hold otherwise.
  };
  const services: Service[] = [];
  let stopped = false;
  const stop = async (): Promise<string[]> => {
    if (stopped) return [];
    stopped = true;
    const problems: string[] = [];
    // The IVR first: it drains its calls, which still need the API.
    for (const s of [...services].reverse()) {
      const e: Exit = await s.stop();
      if (e.code !== 0 || e.killed) problems.push(`on SIGTERM the service ${describeExit(e)}: ${s.output().trim().split("\n").slice(-3).join(" | ")}`);
    }
    return problems;
  };
  const cleanup = async (errors: string[]) => {
    if (!stopped) {
      stopped = true;
      await Promise.all(services.map((s) => s.stop(5000)));
    }
    if (db) await dropDatabase(db.name).catch((err: unknown) => errors.push(`drop database: ${(err as Error).message}`));
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    o.log(`preparing (${o.db}${o.split ? ", API and IVR as separate processes" : ""})`);
    if (db) await runUra(["migrate"], env);
    const nodeArgs = o.profile ? ["--cpu-prof", "--cpu-prof-dir", o.profile] : [];
    const spawnedAt = Date.now();
    if (o.split) {
      services.push(startService(env, nodeArgs, "api"));
      await waitForPort(apiPort, 60_000, () => services[0]!.alive());
      services.push(startService(env, nodeArgs, "ivr"));
      await waitForPort(agiPort, 60_000, () => services[1]!.alive());
    } else {
      services.push(startService(env, nodeArgs, "start"));
      await waitForPort(agiPort, 60_000, () => services[0]!.alive());
      await waitForPort(apiPort, 60_000, () => services[0]!.alive());
    }
    o.log(`service pid ${services.map((s) => s.pid).join(" + ")} listening (AGI ${agiPort}, API ${apiPort}), data in ${dataDir}`);
    const users = benchUsers(o.users);
    const notes = [await createBenchUsers(`http://127.0.0.1:${apiPort}`, adminToken, [...users, EXTENSION_USER]), await prewarmTts(env)];
    o.log(notes.at(-1)!);
    return {
      env,
      dataDir,
      agiPort,
      apiPort,
      adminToken,
      db,
      services,
      spawnedAt,
      users,
      outbox: new OutboxReader(join(dataDir, "outbox.jsonl")),
      notes,
      stop,
      cleanup,
    };
  } catch (err) {
    await cleanup([]);
    throw err;
  }
}

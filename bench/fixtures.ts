import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BENCH_NAMES, type BenchUser } from "./scenario.js";
import { runUra, uraHasCommand } from "./service.js";

/** Synthesises the test users' names before the service starts, so no call waits for a TTS engine. */
export async function prewarmTts(env: NodeJS.ProcessEnv, _users: BenchUser[]): Promise<string[]> {
  if (!(await uraHasCommand("tts", env))) return ["no `ura tts` command yet: the TTS cache was not pre-warmed"];
  const file = join(env.DATA_DIR!, "bench-names.txt");
  await writeFile(file, `${BENCH_NAMES.join("\n")}\n`);
  try {
    await runUra(["tts", "prewarm", "--names", file], env, 300_000);
    return [`TTS cache pre-warmed with ${BENCH_NAMES.length} names (ura tts prewarm)`];
  } catch (err) {
    return [`ura tts prewarm failed: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split("\n")[0]}`];
  }
}

function usersCsv(users: BenchUser[]): string {
  return `code,name,phone,department\n${users.map((u) => `${u.code},${u.name},${u.phone},Benchmark`).join("\n")}\n`;
}

/** Registers the test users as an admin would: the admin API's CSV import, else `ura users import`. */
export async function createBenchUsers(env: NodeJS.ProcessEnv, apiUrl: string, adminToken: string, users: BenchUser[]): Promise<string[]> {
  const csv = usersCsv(users);
  const res = await fetch(`${apiUrl}/api/v1/admin/users/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "text/csv" },
    body: csv,
  });
  if (res.ok) {
    const report = (await res.json()) as { created: number; updated: number; rejected: unknown[] };
    if (report.rejected.length > 0) throw new Error(`user import rejected rows: ${JSON.stringify(report.rejected.slice(0, 3))}`);
    return [`${report.created + report.updated} test users imported through POST /api/v1/admin/users/import`];
  }
  if (res.status === 404 && (await uraHasCommand("users", env))) {
    const file = join(env.DATA_DIR!, "bench-users.csv");
    await writeFile(file, csv);
    await runUra(["users", "import", file], env, 300_000);
    return [`${users.length} test users imported (ura users import)`];
  }
  throw new Error(`could not create the test users: POST /api/v1/admin/users/import → ${res.status} ${(await res.text()).slice(0, 200)}`);
}

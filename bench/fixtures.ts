import type { BenchUser } from "./scenario.js";
import { runUra } from "./service.js";

/**
 * Fills the TTS cache as an operator would before opening the line: `ura tts prewarm` with no
 * arguments synthesises every active user's name and every catalogue sentence from the store, so
 * it runs once the test users are imported. No call then waits for the TTS engine. A failure is an
 * error of the run (a cold cache would put espeak-ng inside the think times we measure).
 */
export async function prewarmTts(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await runUra(["tts", "prewarm"], env, 300_000);
    return `TTS cache pre-warmed (ura tts prewarm: ${stdout.trim().split("\n").pop()})`;
  } catch (err) {
    throw new Error(`ura tts prewarm failed: ${((err as { stderr?: string }).stderr || (err as Error).message).trim().split("\n")[0]}`, { cause: err });
  }
}

function usersCsv(users: BenchUser[]): string {
  return `code,name,phone,department,extensions\n${users.map((u) => `${u.code},${u.name},${u.phone},Benchmark,${u.extension ?? ""}`).join("\n")}\n`;
}

/** Registers the test users as an admin would: the admin API's CSV import. */
export async function createBenchUsers(apiUrl: string, adminToken: string, users: BenchUser[]): Promise<string> {
  const res = await fetch(`${apiUrl}/api/v1/admin/users/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "text/csv" },
    body: usersCsv(users),
  });
  if (!res.ok) throw new Error(`could not create the test users: POST /api/v1/admin/users/import → ${res.status} ${(await res.text()).slice(0, 200)}`);
  const report = (await res.json()) as { created: number; updated: number; rejected: unknown[] };
  if (report.rejected.length > 0) throw new Error(`user import rejected rows: ${JSON.stringify(report.rejected.slice(0, 3))}`);
  return `${report.created + report.updated} test users imported through POST /api/v1/admin/users/import`;
}

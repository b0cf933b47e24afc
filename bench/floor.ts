import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "./service.js";

/** Starts bench/floor-server.ts in a process of its own with the recorded command sequence. */
export async function startFloor(commands: string[], dir: string): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const file = join(dir, "floor-commands.json");
  await writeFile(file, JSON.stringify(commands));
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", "floor-server.ts"), file], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error("the floor server did not start in 30 s")), 30_000);
    rl.once("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`the floor server exited with ${code}`)));
  });
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

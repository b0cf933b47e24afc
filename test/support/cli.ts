import { PassThrough } from "node:stream";
import pino from "pino";
import type { CliContext } from "../../src/cli/command.js";
import type { Settings } from "../../src/config/index.js";

/**
 * A command's context as a test runs it: what it writes to stdout and stderr kept (`out()`,
 * `err()`), stdin a pipe holding `input` (a password, as `echo "$PASSWORD" | ura accounts add`).
 */
export function cliContext(settings: Settings, input = ""): CliContext & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => {
    const s = new PassThrough();
    s.on("data", (c) => into.push(String(c)));
    return s;
  };
  const stdin = new PassThrough();
  stdin.end(input);
  return { settings, stdout: sink(out), stderr: sink(err), stdin, logger: pino({ level: "silent" }), out: () => out.join(""), err: () => err.join("") };
}

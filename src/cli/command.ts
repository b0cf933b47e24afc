import type { Logger } from "pino";
import type { Settings } from "../config/index.js";

export interface CliContext {
  settings: Settings;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Terminal input, for commands that read keys (`ura call`). */
  stdin: NodeJS.ReadableStream;
  logger: Logger;
}

/** One `ura <name>` command. Sub-commands (`ura users import`) are parsed inside `run`. */
export interface CliCommand {
  name: string;
  /** One line for `ura --help`. */
  summary: string;
  /** Full text for `ura <name> --help`. */
  usage: string;
  /** Returns the process exit code; long-running commands resolve when they stop. */
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** A wrong command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

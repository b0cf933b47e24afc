import { userInfo } from "node:os";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import { createSpeechSynthesizer } from "../tts/index.js";
import { ConflictError, DomainValidationError, NotFoundError, openStore, type Actor, type Store, type StoreOptions } from "../domain/index.js";

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

/** Parses a command line (strict unless told otherwise); a wrong one is a UsageError, not a stack. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Who a command's changes are recorded as in the audit log: the operating-system user running it. */
export function cliActor(): Actor {
  return { client: `cli:${userInfo().username}`, address: null };
}

export interface StoreWorkOptions {
  open?: StoreOptions;
  /** How a refused field is named on this command line (`--ext`, `USERNAME`); absent: the message alone. */
  field?: (field: string) => string;
  /**
   * The store speaks what the command writes (a name, an announcement) before the command returns,
   * so a running `ura start` sharing DATA_DIR finds it in the cache instead of synthesising it in a
   * call. The synthesiser is closed with the store.
   */
  speech?: boolean;
}

/**
 * Opens the store for one command's work and closes it after. The domain's refusals (a bad value, a
 * conflict, an unknown id) are one line on stderr and exit code 1; anything else is thrown.
 */
export async function withStore(ctx: CliContext, command: string, work: (store: Store) => Promise<number>, options: StoreWorkOptions = {}): Promise<number> {
  const tts = options.speech ? createSpeechSynthesizer(ctx.settings, { logger: ctx.logger }) : undefined;
  const speech = tts && tts.engine !== "none" ? tts : undefined;
  let store: Store;
  try {
    store = await openStore(ctx.settings, { ...options.open, ...(speech ? { speech } : {}) });
  } catch (err) {
    tts?.close();
    throw err;
  }
  try {
    return await work(store);
  } catch (err) {
    if (err instanceof DomainValidationError) {
      ctx.stderr.write(`ura ${command}: ${options.field ? `${options.field(err.field)}: ` : ""}${err.message}\n`);
      return 1;
    }
    if (err instanceof ConflictError || err instanceof NotFoundError) {
      ctx.stderr.write(`ura ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
    tts?.close();
  }
}

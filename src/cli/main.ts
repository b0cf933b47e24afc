import { ConfigError, loadSettings } from "../config/index.js";
import { createLogger } from "../shared/logger.js";
import { UsageError, type CliCommand } from "./command.js";
import { commands } from "./commands/index.js";

const HELP = (list: CliCommand[]) => `ura — phone front door (IVR) for IT help desks

usage: ura <command> [options]      ura <command> --help

commands:
${list.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}

Settings come from the environment and ./.env (see .env.example).
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`ura: unknown command "${name}"\n\n${HELP(commands)}`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`ura ${command.name} — ${command.summary}\n\n${command.usage}\n`);
    return 0;
  }
  let settings;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ura: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(settings.LOG_LEVEL);
  try {
    return await command.run(args, { settings, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, logger });
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ura ${command.name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`ura: ${err.message}\n`);
      return 78;
    }
    logger.fatal({ err }, `ura ${command.name} failed`);
    process.stderr.write(`ura ${command.name}: ${(err as Error).message}\n`);
    // A failed command ends the process even if a library left a socket or timer behind.
    setTimeout(() => process.exit(1), 2000).unref();
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;

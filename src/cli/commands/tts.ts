import { readFile } from "node:fs/promises";
import { activeUserNames } from "../../app/prewarm.js";
import { openStore } from "../../domain/index.js";
import { createSpeechSynthesizer, type TtsService } from "../../tts/index.js";
import { parseCommandLine, UsageError, type CliCommand, type CliContext } from "../command.js";
import { progressLine } from "./sounds.js";

const USAGE = `ura tts prewarm [--names-file FILE]
    synthesise, ahead of the calls, every active user's name and every active catalogue
    sentence (what the IVR will say with TTS), so no caller waits for the engine.
    --names-file FILE   one text per line instead (- reads standard input)
ura tts say TEXT…
    synthesise one text and print the reference Asterisk is given for it
ura tts cleanup
    remove cache entries unused for TTS_CACHE_MAX_AGE_DAYS, then the least recently used
    beyond TTS_CACHE_MAX_MB (the running IVR also does this hourly)

Engine, voice and cache come from TTS_ENGINE, TTS_VOICE, TTS_CACHE_DIR (see docs/audio.md).`;

/** Where `ura tts prewarm` finds what the IVR will synthesise. */
export type PrewarmSource = (ctx: CliContext) => Promise<string[]>;

/** Every active user's name and every active catalogue sentence, from the ticket store. */
export const textsFromStore: PrewarmSource = async (ctx) => {
  const store = await openStore(ctx.settings);
  try {
    return [...(await activeUserNames(store)), ...(await store.catalogue.spokenSentences())];
  } finally {
    await store.close();
  }
};

export function createTtsCommand(source: PrewarmSource = textsFromStore): CliCommand {
  return {
    name: "tts",
    summary: "text-to-speech: prewarm the cache with every user's name, say a text, clean up",
    usage: USAGE,
    async run(args, ctx) {
      const [sub, ...rest] = args;
      const tts = createSpeechSynthesizer(ctx.settings, { logger: ctx.logger });
      try {
        return await runSub(sub, rest, tts, ctx);
      } finally {
        tts.close();
      }
    },
  };

  async function runSub(sub: string | undefined, rest: string[], tts: TtsService, ctx: CliContext): Promise<number> {
    switch (sub) {
      case "prewarm": {
        const { values } = parseCommandLine({ args: rest, options: { "names-file": { type: "string" } } });
        const file = values["names-file"];
        const texts = file === undefined ? await source(ctx) : linesOf(file === "-" ? await readStdin(ctx) : await readFile(file, "utf8"));
        const progress = progressLine(ctx.stderr, "prewarm");
        const report = await tts.prewarm(texts, { onProgress: (done, total) => progress.update(done, total) });
        progress.end();
        ctx.stdout.write(`${report.total} texts: ${report.synthesised} synthesised, ${report.cached} already cached, ${report.failed.length} failed (${tts.engine})\n`);
        for (const f of report.failed) ctx.stderr.write(`  failed: ${JSON.stringify(f.text)}: ${f.error.message}\n`);
        return report.failed.length === 0 ? 0 : 1;
      }
      case "say": {
        if (rest.length === 0) throw new UsageError("say needs a text");
        ctx.stdout.write(`${await tts.synthesize(rest.join(" "))}\n`);
        return 0;
      }
      case "cleanup": {
        parseCommandLine({ args: rest, options: {} });
        const report = await tts.cleanup();
        ctx.stdout.write(`removed ${report.removed} files (${mb(report.removedBytes)}), kept ${report.kept} (${mb(report.keptBytes)})\n`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? "which sub-command?" : `unknown sub-command "${sub}"`);
    }
  }
}

export const command = createTtsCommand();


function linesOf(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

async function readStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

import { audioDirs, createEngine, MANIFEST_FILE, placeRecording, promptStates, readPromptTexts, renderPrompts, type EngineName } from "../../tts/index.js";
import { parseCommandLine, UsageError, type CliCommand } from "../command.js";
import { soundsDir as soundsDirOf } from "../../config/index.js";

const USAGE = `ura sounds render [--engine espeak|polly] [--voice VOICE] [--force]
    render every prompt of SOUNDS_DIR/prompts.pt-BR.txt to SOUNDS_DIR/pt-BR/<id>.sln
    (8 kHz mono 16-bit, what Asterisk plays), skipping prompts whose text, engine and voice
    did not change (SOUNDS_DIR/pt-BR/manifest.json). A file that is not what ura rendered — a
    studio recording put in its place — is never overwritten; delete it to render it again.
    --engine, --voice   default TTS_ENGINE (espeak when it is none) and TTS_VOICE
    --force             render unchanged prompts again too
ura sounds list
    every prompt id and the state of its audio: rendered, stale (text, engine or voice changed
    since), studio recording, or missing
ura sounds record (--prompt ID | --sentence TEXT) FILE
    put a studio recording in place: FILE is a 16-bit PCM WAV (any rate, resampled to 8 kHz) or a
    raw .sln; it is trimmed and brought to the one level (-20 dBov, docs/audio.md). --prompt
    replaces a prompt (render keeps it from then on); --sentence replaces the synthesised voice of
    a catalogue sentence, played as long as the sentence's text is exactly that`;

export const command: CliCommand = {
  name: "sounds",
  summary: "render the pt-BR prompt set to audio (espeak-ng or Polly), list its state",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const soundsDir = soundsDirOf(ctx.settings);
    const outDir = audioDirs(ctx.settings).prompts;
    if (sub === "render") {
      const { values } = parse(rest);
      const engineName = values.engine ?? defaultEngine(ctx.settings.TTS_ENGINE);
      if (engineName !== "espeak" && engineName !== "polly") throw new UsageError(`--engine must be espeak or polly (got "${engineName}")`);
      const voice = values.voice ?? (engineName === ctx.settings.TTS_ENGINE ? ctx.settings.TTS_VOICE : "");
      const engine = createEngine(ctx.settings, { engine: engineName as EngineName, voice })!;
      const texts = readPromptTexts(soundsDir);
      const progress = progressLine(ctx.stderr, "render");
      const report = await renderPrompts({
        texts,
        outDir,
        engine,
        force: values.force ?? false,
        onProgress: (e) => progress.update(e.done, e.total, e.id),
      }).finally(() => {
        progress.end();
        engine.close?.();
      });
      ctx.stdout.write(
        `${texts.size} prompts (${engine.name}, ${engine.voiceKey}) → ${outDir}: ${report.rendered.length} rendered, ` +
          `${report.unchanged.length} unchanged, ${report.recordings.length} studio recordings kept, ${report.failed.length} failed\n`,
      );
      for (const r of report.recordings) {
        ctx.stdout.write(`  kept ${r.id}.sln: not what ura rendered (a studio recording?)${r.textChanged ? " — its text has changed since: re-record it, or delete the file to render it" : ""}\n`);
      }
      for (const id of report.orphans) ctx.stdout.write(`  ${id}.sln: no longer in the prompt texts (left in place)\n`);
      for (const f of report.failed) ctx.stderr.write(`  failed ${f.id}: ${f.error.message}\n`);
      return report.failed.length === 0 ? 0 : 1;
    }
    if (sub === "record") {
      const { values, positionals } = parseCommandLine({ args: rest, options: { prompt: { type: "string" }, sentence: { type: "string" } }, allowPositionals: true });
      if (positionals.length !== 1) throw new UsageError("give one recording file");
      if ((values.prompt === undefined) === (values.sentence === undefined)) throw new UsageError("give --prompt ID or --sentence TEXT");
      if (values.prompt !== undefined && !readPromptTexts(soundsDir).has(values.prompt)) throw new UsageError(`--prompt: no prompt "${values.prompt}" in the prompt texts`);
      const target = values.prompt ?? { sentence: values.sentence! };
      const r = await placeRecording(positionals[0]!, target, outDir);
      ctx.stdout.write(`${r.name}.sln: ${r.seconds.toFixed(2)} s, ${r.levelDbov === null ? "silent" : `${r.levelDbov.toFixed(1)} dBov`}, peak ${r.peakDbov.toFixed(1)} dBov → ${outDir}\n`);
      return 0;
    }
    if (sub === "list") {
      if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(" ")}`);
      const texts = readPromptTexts(soundsDir);
      const engine = createEngine(ctx.settings, { engine: defaultEngine(ctx.settings.TTS_ENGINE) })!;
      const states = await promptStates(texts, outDir, engine).finally(() => engine.close?.());
      for (const [id, text] of texts) {
        const { state, entry } = states.get(id)!;
        const shown = state === "current" && entry ? `rendered (${entry.engine}, ${entry.voice})` : state === "recording" ? "studio recording" : state;
        ctx.stdout.write(`${id.padEnd(24)} ${shown.padEnd(30)} ${text}\n`);
      }
      ctx.stdout.write(`(${MANIFEST_FILE} in ${outDir})\n`);
      return 0;
    }
    throw new UsageError(sub === undefined ? "which sub-command?" : `unknown sub-command "${sub}"`);
  },
};

/** Prompts are rendered even when live TTS is off: with espeak-ng, which needs nothing. */
function defaultEngine(configured: EngineName): "espeak" | "polly" {
  return configured === "none" ? "espeak" : configured;
}

function parse(args: string[]) {
  return parseCommandLine({ args, options: { engine: { type: "string" }, voice: { type: "string" }, force: { type: "boolean" } } });
}

/**
 * A one-line progress bar on a terminal (`render [#######.....] 42/150 greeting`), redrawn in
 * place; nothing at all when the stream is a file or a pipe, so logs and CI output stay clean.
 */
export function progressLine(stream: NodeJS.WritableStream, label: string) {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let drawn = false;
  return {
    update(done: number, total: number, detail = "") {
      if (!tty) return;
      const width = 24;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(`\r\x1b[2K${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${detail}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write("\r\x1b[2K");
      drawn = false;
    },
  };
}

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SLN_RATE } from "./audio.js";
import { writeAtomically } from "./atomic-write.js";
import { cacheKey } from "./cache.js";
import { withDeadline } from "../shared/deadline.js";
import { ttsFailure } from "./failure.js";
import { finishAudio, silence } from "./level.js";
import { SENTENCE_PREFIX } from "./sentences.js";
import type { SpeechEngine } from "./engines/engine.js";
import { normaliseText } from "./synthesizer.js";
import { TtsUnavailableError } from "./types.js";

export const MANIFEST_FILE = "manifest.json";

/**
 * A prompt whose text is `[pausa 300 ms]` is that much silence, not speech (the pause between a
 * protocol's groups): rendered without the engine, and never sent to one.
 */
export const PAUSE = /^\[pausa (\d{1,4}) ms\]$/;

/**
 * `sounds/pt-BR/manifest.json`: for each prompt we rendered, what it was rendered from
 * (engine, voice and the hash of engine+voice+text) and the hash of the bytes we wrote. A file
 * whose bytes no longer match is a studio recording an admin put in its place: it is kept.
 */
export interface Manifest {
  format: string;
  prompts: Record<string, ManifestEntry>;
}

export interface ManifestEntry {
  engine: string;
  voice: string;
  /** cacheKey(engine, voice, text): changes when any of the three does. */
  source: string;
  /** sha256 of the .sln bytes we wrote. */
  audio: string;
}

export type RenderOutcome = "rendered" | "unchanged" | "recording" | "failed";

export interface RenderReport {
  rendered: string[];
  unchanged: string[];
  /** Files that are not what we rendered (studio recordings): never overwritten. */
  recordings: { id: string; textChanged: boolean }[];
  failed: { id: string; error: TtsUnavailableError }[];
  /** .sln files or manifest entries whose id is no longer in the texts: reported, left alone. */
  orphans: string[];
}

export interface RenderOptions {
  texts: ReadonlyMap<string, string>;
  /** SOUNDS_DIR/pt-BR */
  outDir: string;
  engine: SpeechEngine;
  /** Re-render prompts whose text did not change too (studio recordings are still kept). */
  force?: boolean;
  concurrency?: number;
  /** Per prompt. */
  timeoutMs?: number;
  onProgress?: (event: { id: string; outcome: RenderOutcome; done: number; total: number }) => void;
}

export const EMPTY_MANIFEST: Manifest = { format: `sln ${SLN_RATE} Hz mono s16le`, prompts: {} };

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The manifest's `source` for a prompt text: the same key the TTS cache uses. */
export function promptSource(engine: SpeechEngine, text: string): string {
  return cacheKey(engine.name, engine.voiceKey, normaliseText(text));
}

export async function readManifest(outDir: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(join(outDir, MANIFEST_FILE), "utf8")) as Partial<Manifest>;
    return { format: parsed.format ?? EMPTY_MANIFEST.format, prompts: { ...parsed.prompts } };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ...EMPTY_MANIFEST, prompts: {} };
    throw err;
  }
}

async function writeManifest(outDir: string, manifest: Manifest): Promise<void> {
  const prompts = Object.fromEntries(Object.entries(manifest.prompts).sort(([a], [b]) => a.localeCompare(b)));
  await writeAtomically(join(outDir, MANIFEST_FILE), Buffer.from(`${JSON.stringify({ format: manifest.format, prompts }, null, 2)}\n`));
}

/** The bytes of `<id>.sln`, or null when there is none. */
async function readAudio(outDir: string, id: string): Promise<Buffer | null> {
  try {
    return await readFile(join(outDir, `${id}.sln`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Where a prompt's audio stands against its text: what `ura sounds list` shows and render acts on. */
export type PromptAudioState = "missing" | "recording" | "stale" | "current";

export function classifyPrompt(entry: ManifestEntry | undefined, audio: Buffer | null, source: string): PromptAudioState {
  if (!audio) return "missing";
  if (!entry || entry.audio !== sha256(audio)) return "recording";
  return entry.source === source ? "current" : "stale";
}

/** The state of every prompt in `texts`, as seen by `engine`. */
export async function promptStates(texts: ReadonlyMap<string, string>, outDir: string, engine: SpeechEngine): Promise<Map<string, { state: PromptAudioState; entry?: ManifestEntry }>> {
  const manifest = await readManifest(outDir);
  const states = new Map<string, { state: PromptAudioState; entry?: ManifestEntry }>();
  for (const [id, text] of texts) {
    const entry = manifest.prompts[id];
    states.set(id, { state: classifyPrompt(entry, await readAudio(outDir, id), promptSource(engine, text)), ...(entry ? { entry } : {}) });
  }
  return states;
}

/**
 * Renders every prompt text to `<outDir>/<id>.sln`, skipping prompts whose text, engine and voice
 * did not change since the last render, and never overwriting a file that is not what we wrote.
 */
export async function renderPrompts(options: RenderOptions): Promise<RenderReport> {
  const { texts, outDir, engine } = options;
  const manifest = await readManifest(outDir);
  const report: RenderReport = { rendered: [], unchanged: [], recordings: [], failed: [], orphans: [] };
  const ids = [...texts.keys()];
  let next = 0;
  let done = 0;

  const renderOne = async (id: string): Promise<RenderOutcome> => {
    const text = texts.get(id)!;
    const source = promptSource(engine, text);
    const entry = manifest.prompts[id];
    const state = classifyPrompt(entry, await readAudio(outDir, id), source);
    if (state === "recording") {
      report.recordings.push({ id, textChanged: entry !== undefined && entry.source !== source });
      return "recording";
    }
    if (state === "current" && !options.force) {
      report.unchanged.push(id);
      return "unchanged";
    }
    try {
      const pause = PAUSE.exec(text);
      const audio = pause
        ? silence(Number(pause[1]))
        : finishAudio(await withDeadline(options.timeoutMs ?? 60_000, ({ signal }) => engine.render(normaliseText(text), signal)));
      await writeAtomically(join(outDir, `${id}.sln`), audio);
      manifest.prompts[id] = { engine: engine.name, voice: engine.voiceKey, source, audio: sha256(audio) };
      report.rendered.push(id);
      return "rendered";
    } catch (err) {
      report.failed.push({ id, error: ttsFailure(`${engine.name} rendering of "${id}"`, err) });
      return "failed";
    }
  };

  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const outcome = await renderOne(id);
      options.onProgress?.({ id, outcome, done: ++done, total: ids.length });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  } finally {
    // Whatever was rendered before a failure or Ctrl-C is recorded, so the next run skips it.
    await writeManifest(outDir, manifest);
  }

  const onDisk = (await readdir(outDir)).filter((n) => n.endsWith(".sln")).map((n) => n.slice(0, -4));
  // Studio recordings of catalogue sentences (sentence-*.sln) live here too, and are not prompts.
  report.orphans = [...new Set([...onDisk, ...Object.keys(manifest.prompts)])].filter((id) => !texts.has(id) && !id.startsWith(SENTENCE_PREFIX)).sort();
  for (const list of [report.rendered, report.unchanged]) list.sort();
  report.recordings.sort((a, b) => a.id.localeCompare(b.id));
  report.failed.sort((a, b) => a.id.localeCompare(b.id));
  return report;
}

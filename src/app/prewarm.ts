import type { Logger } from "pino";
import type { TicketApi } from "../ivr/index.js";
import type { Store } from "../domain/index.js";
import { describeError } from "../shared/errors.js";
import { DeadlineExceededError, withDeadline } from "../shared/deadline.js";
import type { TtsService } from "../tts/index.js";

/**
 * Issue 13, "0 synthesis inside any call": what the IVR will say with TTS is synthesised before
 * a caller needs it. At start the catalogue's sentences are warmed before the IVR takes calls
 * (at most TTS_PREWARM_WAIT_MS: a slow or dead engine must not keep the PBX's calls out; with a
 * warm cache it takes milliseconds), every active user's name right after, in the background;
 * after a catalogue change the store warms it again (CatalogueRepository.resynthesise). The
 * announcements (playing and scheduled) and the information menu's guidance texts are warmed
 * the same way, at start and on every change.
 */
/** `ura ivr` on its own host sees catalogue changes only through the API: it looks this often. */
export const CATALOGUE_RECHECK_MS = 60_000;

/** Every active user's name, page by page. */
export async function activeUserNames(store: Pick<Store, "users">): Promise<string[]> {
  const names: string[] = [];
  const page = 500;
  for (let offset = 0; ; offset += page) {
    const { users, total } = await store.users.list({ limit: page, offset });
    names.push(...users.filter((u) => u.active).map((u) => u.name));
    if (users.length === 0 || offset + page >= total) break;
  }
  return names;
}

/** `ura start`: the catalogue before the first call, the names after. Resolves when the catalogue is ready (or its limit passed). */
export async function prewarmAtStart(store: Store, tts: TtsService, logger: Logger, limitMs: number): Promise<void> {
  if (tts.engine === "none") return;
  const log = logger.child({ part: "tts" });
  const started = Date.now();
  // Runs to its end whatever the wait: only the start stops waiting for it.
  const catalogue = Promise.all([store.catalogue.resynthesise(), store.announcements.resynthesise(new Date()), store.guidance.resynthesise()]).then(([a, b, c]) => a + b + c);
  catalogue.catch(() => undefined);
  try {
    const sentences = await withDeadline(limitMs, () => catalogue);
    log.info({ sentences, ms: Date.now() - started }, "catalogue sentences synthesised before the first call");
  } catch (err) {
    const why = err instanceof DeadlineExceededError ? `not done within TTS_PREWARM_WAIT_MS (${limitMs} ms), going on in the background` : "failed";
    log.warn({ err: describeError(err) }, `catalogue prewarm ${why}`);
  }
  void activeUserNames(store)
    .then((names) => tts.prewarm(names))
    .then((r) => log.info({ names: r.total, synthesised: r.synthesised, failed: r.failed.length }, "names prewarmed"))
    .catch((err: unknown) => log.warn({ err: describeError(err) }, "names prewarm failed"));
}

/** What the IVR will say with TTS, as the API serves it: the catalogue's sentences, the announcements and the guidance texts. */
async function spokenThroughApi(api: TicketApi): Promise<string[]> {
  const [services, notices, information] = await Promise.all([api.catalogue(), api.announcements(), api.information()]);
  return [
    ...sentences(services),
    ...[...notices.playing, ...notices.scheduled].map((a) => a.text),
    ...information.guidance.flatMap((g) => [g.prompt, g.text]),
  ];
}

/** The sentences of a catalogue as the API serves it (active nodes only). */
function sentences(nodes: Awaited<ReturnType<TicketApi["catalogue"]>>): string[] {
  return nodes.flatMap((n) => [n.prompt, ...sentences(n.children)]);
}

/**
 * `ura ivr`: the catalogue and the announcements through the API before listening (bounded like at start), then again
 * every CATALOGUE_RECHECK_MS, so an admin's change made on the API's host is synthesised here
 * within a minute, outside any call (already cached sentences cost a hash and a stat each).
 * Returns the function that stops the rechecks.
 */
export async function prewarmFromApi(api: TicketApi, tts: TtsService, logger: Logger, limitMs: number): Promise<() => void> {
  if (tts.engine === "none") return () => undefined;
  const log = logger.child({ part: "tts" });
  const warm = async () => {
    const report = await tts.prewarm(await spokenThroughApi(api));
    if (report.synthesised > 0 || report.failed.length > 0) log.info({ sentences: report.total, synthesised: report.synthesised, failed: report.failed.length }, "catalogue sentences prewarmed");
  };
  const first = warm();
  first.catch(() => undefined);
  try {
    await withDeadline(limitMs, () => first);
  } catch (err) {
    log.warn({ err: describeError(err) }, `catalogue prewarm not done within TTS_PREWARM_WAIT_MS (${limitMs} ms), going on in the background`);
  }
  const timer = setInterval(() => void warm().catch((err: unknown) => log.warn({ err: describeError(err) }, "catalogue prewarm failed")), CATALOGUE_RECHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

import type { Logger } from "pino";
import type { HeartbeatReply } from "../api-client/index.js";
import type { TicketApi } from "../ivr/index.js";
import { announcementSentences, catalogueSentences, guidanceSentences, ReadySpeech, type SpeechPrewarmer, type Store } from "../domain/index.js";
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
 * the same way, at start and on every change. Callers hear a change once it is warmed (the rule
 * of the last ready version, domain/spoken.ts): under `ura start` the API applies it, on an
 * `ura ivr` node with its own cache the node does (IvrNodeSpeech).
 */

/**
 * `ura start`'s answer to its IVR's heartbeat replies: when what the IVR says changed (another
 * host sharing the database may have changed it), the store's views for callers are read, which
 * starts the synthesis of what this host's cache lacks before a caller asks (spoken.ts).
 */
export function warmOnSpokenChange(store: Pick<Store, "catalogue" | "announcements" | "guidance">, logger: Logger, clock: () => Date = () => new Date()): (reply: HeartbeatReply) => Promise<void> {
  let last: string | undefined;
  // Resolves once the syntheses are queued (not done); never rejects.
  return async (reply) => {
    if (reply.spoken === undefined || reply.spoken === last) return;
    const spoken = reply.spoken;
    await Promise.all([store.catalogue.forCallers(), store.announcements.forCallers(clock()), store.guidance.forCallers()]).then(
      () => void (last = spoken),
      (err: unknown) => logger.warn({ part: "tts", err: describeError(err) }, "spoken texts could not be read: calls will ask again"),
    );
  };
}

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

type ServiceNode = Awaited<ReturnType<TicketApi["catalogue"]>>[number];
type AnnouncementsView = Awaited<ReturnType<TicketApi["announcements"]>>;
type InformationView = Awaited<ReturnType<TicketApi["information"]>>;

/**
 * `ura ivr` on its own host, with its own TTS cache: the rule of the last ready version
 * (domain/spoken.ts) applied to what this node can play. The catalogue, the announcements and the
 * guidance texts the API serves reach this node's callers once their sentences are in this node's
 * cache; until then callers hear the version before, and the new one is synthesised here in the
 * background. A new version is seen by a call's request or, before any call, by the answer to
 * this node's heartbeat (every 10 s): the API sends a fingerprint of what the IVR says, and a
 * different one makes the node fetch and warm at once.
 */
export class IvrNodeSpeech {
  /** The API as the call flow uses it: the three spoken views as this node can play them, the rest as they are. */
  readonly api: TicketApi;
  private readonly catalogue: ReadySpeech<ServiceNode[]>;
  private readonly notices: ReadySpeech<AnnouncementsView>;
  /** The guidance texts only: the information menu's schedule is recorded prompts, heard as it is. */
  private readonly guidance: ReadySpeech<InformationView["guidance"]>;
  /** The fingerprint of the last heartbeat answer this node fetched for. */
  private spoken: string | null = null;
  /** The fetch started last. */
  private refreshing: Promise<void> | null = null;
  private readonly log: Logger;
  /** TTS_ENGINE=none: nothing to warm, every view is heard as the API serves it. */
  private readonly off: boolean;

  constructor(
    private readonly source: TicketApi,
    tts: TtsService,
    logger: Logger,
  ) {
    this.log = logger.child({ part: "tts" });
    this.off = tts.engine === "none";
    const speech: SpeechPrewarmer | null =
      this.off
        ? null
        : {
            prewarm: async (texts) => {
              const report = await tts.prewarm(texts);
              if (report.synthesised > 0 || report.failed.length > 0) this.log.info({ sentences: report.total, synthesised: report.synthesised, failed: report.failed.length }, "spoken texts prewarmed");
              return report;
            },
          };
    this.catalogue = new ReadySpeech<ServiceNode[]>(speech, catalogueSentences);
    this.notices = new ReadySpeech<AnnouncementsView>(speech, announcementSentences);
    this.guidance = new ReadySpeech<InformationView["guidance"]>(speech, guidanceSentences);
    this.api = {
      ...source,
      catalogue: async (options) => this.catalogue.serve(await source.catalogue(options)),
      announcements: async (options) => this.notices.serve(await source.announcements(options)),
      information: async (options) => {
        const view = await source.information(options);
        return { ...view, guidance: this.guidance.serve(view.guidance) };
      },
    };
  }

  /**
   * Fetches the three views and starts synthesising whatever in them this node has not. Fetches
   * run one after the other, each after the one before ended: one that was under way when the API
   * said something changed may have read the version before.
   */
  refresh(): Promise<void> {
    const run = (this.refreshing ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const [services, notices, information] = await Promise.all([this.source.catalogue(), this.source.announcements(), this.source.information()]);
      this.catalogue.serve(services);
      this.notices.serve(notices);
      this.guidance.serve(information.guidance);
    });
    this.refreshing = run;
    return run;
  }

  /** The API's answer to a heartbeat: a fingerprint unlike the last one means something callers hear changed. */
  heartbeatReply(reply: HeartbeatReply): void {
    if (this.off || reply.spoken === undefined || reply.spoken === this.spoken) return;
    const spoken = reply.spoken;
    this.refresh().then(
      () => void (this.spoken = spoken),
      (err: unknown) => this.log.warn({ err: describeError(err) }, "spoken texts could not be fetched from the API: calls will ask again"),
    );
  }

  /** Resolves when every synthesis started so far has ended. */
  async idle(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
    await Promise.all([this.catalogue.idle(), this.notices.idle(), this.guidance.idle()]);
  }

  /** Before the port opens: fetch and warm, waiting at most `limitMs` (a slow or dead engine must not keep the PBX's calls out). */
  async warmAtStart(limitMs: number): Promise<void> {
    if (this.off) return;
    const started = Date.now();
    try {
      await withDeadline(limitMs, async () => {
        await this.refresh();
        await this.idle();
      });
      this.log.info({ ms: Date.now() - started }, "spoken texts synthesised before the first call");
    } catch (err) {
      const why = err instanceof DeadlineExceededError ? `not done within TTS_PREWARM_WAIT_MS (${limitMs} ms), going on in the background` : "failed";
      this.log.warn({ err: describeError(err) }, `spoken texts prewarm ${why}`);
    }
  }
}

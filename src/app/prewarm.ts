import type { Logger } from "pino";
import { SPOKEN_NAMES_PAGE, type HeartbeatReply, type SpokenNamesSource } from "../api-client/index.js";
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
 * `ura ivr` node with its own cache the node does (IvrNodeSpeech). Users' names are warmed at
 * start and whenever the heartbeat's answer says what the IVR says changed (its fingerprint
 * counts the names' changes): by `ura start` from its store, by an `ura ivr` node from the API's
 * `GET /spoken-names` (NameWarmer, one class for both).
 */

/**
 * Follows the fingerprint of what the IVR says as the heartbeat's answers carry it, for `ura
 * start` (warmOnSpokenChange) and an `ura ivr` node (IvrNodeSpeech) alike. A fingerprint unlike
 * the last one followed starts one pass. The IVR also reports when its calls change, so the same
 * new fingerprint can come again while its pass runs: that starts nothing. A pass with a part
 * that failed leaves its fingerprint unfollowed, so the next answer tries again.
 */
export class FingerprintFollower {
  /** The fingerprint of the last pass that ended well. */
  private last: string | undefined;
  /** The fingerprint of the pass started last, while it runs. */
  private inFlight: string | undefined;
  /** Passes started, and the number of the one `last` is from: an older pass ending late does not undo a newer one. */
  private started = 0;
  private lastPass = 0;
  private running: Promise<void> = Promise.resolve();

  /** Starts `pass` (its parts at once) for a new fingerprint. Resolves when its parts have all ended; never rejects. */
  follow(fingerprint: string | undefined, pass: () => (Promise<unknown> | undefined)[]): Promise<void> {
    if (fingerprint === undefined || fingerprint === this.last || fingerprint === this.inFlight) return Promise.resolve();
    this.inFlight = fingerprint;
    const number = ++this.started;
    const run = Promise.allSettled(pass()).then((parts) => {
      if (parts.every((part) => part.status === "fulfilled") && number > this.lastPass) {
        this.last = fingerprint;
        this.lastPass = number;
      }
      if (this.inFlight === fingerprint) this.inFlight = undefined;
    });
    this.running = Promise.all([this.running, run]).then(() => undefined);
    return run;
  }

  /** Resolves when every pass started so far has ended. */
  idle(): Promise<void> {
    return this.running;
  }
}

/**
 * `ura start`'s answer to its IVR's heartbeat replies: when what the IVR says changed (another
 * host sharing the database may have changed it), the store's views for callers are read, which
 * starts the synthesis of what this host's cache lacks before a caller asks (spoken.ts), and the
 * names' pass starts.
 */
export function warmOnSpokenChange(
  store: Pick<Store, "catalogue" | "announcements" | "guidance">,
  logger: Logger,
  options: { clock?: () => Date; names?: NameWarmer | null } = {},
): (reply: HeartbeatReply) => Promise<void> {
  const clock = options.clock ?? (() => new Date());
  const follower = new FingerprintFollower();
  // Resolves once the views were read (their syntheses queued, not done) and the names' pass ended; never rejects.
  return (reply) =>
    follower.follow(reply.spoken, () => [
      Promise.all([store.catalogue.forCallers(), store.announcements.forCallers(clock()), store.guidance.forCallers()]).catch((err: unknown) => {
        logger.warn({ part: "tts", err: describeError(err) }, "spoken texts could not be read: calls will ask again");
        throw err;
      }),
      options.names?.warm().catch((err: unknown) => {
        logger.warn({ part: "tts", err: describeError(err) }, "names could not be read: the next heartbeat tries again");
        throw err;
      }),
    ]);
}

/** The names `ura start` (or `ura tts prewarm`) says, from its own store: the same pages the API serves an IVR node. */
export function storeNames(store: Pick<Store, "users">, pageSize = SPOKEN_NAMES_PAGE): SpokenNamesSource {
  return (after) => store.users.spokenNames(after, pageSize);
}

/** Every active user's name (`ura tts prewarm`). */
export async function activeUserNames(store: Pick<Store, "users">): Promise<string[]> {
  const names: string[] = [];
  const read = storeNames(store);
  for (let after: string | null = null; ; ) {
    const page = await read(after);
    names.push(...page.names);
    if (page.next === null) return names;
    after = page.next;
  }
}

/**
 * Synthesises the users' names this host's cache lacks, page by page as the source gives them (a
 * city's thousands of names are never all in memory), at most two at once (TtsService.prewarm):
 * the engine stays free for what calls ask. A name the engine fails on is left to the call, which
 * falls back as before (its synthesis within TTS_TIMEOUT_MS, else the user code read out). Passes
 * run one at a time; changes that come during a pass cost one more pass, not one each.
 */
export class NameWarmer {
  /** The pass under way. */
  private running: Promise<void> | null = null;
  /** The one pass waiting for it. */
  private next: Promise<void> | null = null;
  private passes = 0;
  private readonly stopping = new AbortController();
  private readonly log: Logger;

  constructor(
    private readonly source: SpokenNamesSource,
    private readonly tts: Pick<TtsService, "prewarm">,
    logger: Logger,
  ) {
    this.log = logger.child({ part: "tts" });
  }

  /** Starts a pass (after the one under way). Resolves when it ends; rejects when the names could not be read. */
  warm(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    if (this.next) return this.next;
    if (!this.running) return this.start();
    const next = this.running.catch(() => undefined).then(() => {
      this.next = null;
      return this.start();
    });
    this.next = next;
    return next;
  }

  /**
   * The process is stopping: the pass under way reads no more pages and starts no more syntheses
   * (a fresh node's first pass takes an hour for 20,000 names, docs/topology.md, and would hold
   * the process past its stop), and none starts after it.
   */
  stop(): void {
    this.stopping.abort();
  }

  /** Resolves when no pass is under way or waiting. */
  async idle(): Promise<void> {
    while (this.running || this.next) await (this.next ?? this.running)!.catch(() => undefined);
  }

  private start(): Promise<void> {
    const run = this.pass().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async pass(): Promise<void> {
    const first = this.passes++ === 0;
    const started = Date.now();
    const total = { names: 0, synthesised: 0, failed: 0 };
    const signal = this.stopping.signal;
    for (let after: string | null = null; !signal.aborted; ) {
      const page = await this.source(after);
      const report = await this.tts.prewarm(page.names, { signal });
      total.names += report.total;
      total.synthesised += report.synthesised;
      total.failed += report.failed.length;
      if (page.next === null) break;
      after = page.next;
    }
    // Counts only: the names are personal data. A pass that found everything cached is not news.
    if (first || total.synthesised > 0 || total.failed > 0) this.log.info({ ...total, ms: Date.now() - started }, "names prewarmed");
  }
}

/** `ura start`: the catalogue before the first call, the names after. Resolves when the catalogue is ready (or its limit passed). */
export async function prewarmAtStart(store: Store, tts: TtsService, logger: Logger, limitMs: number, names: NameWarmer | null): Promise<void> {
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
  names?.warm().catch((err: unknown) => log.warn({ err: describeError(err) }, "names prewarm failed"));
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
 * different one makes the node fetch and warm at once. The users' names follow the same
 * fingerprint (it counts their changes): the node reads them from `GET /spoken-names` at start
 * and on every new fingerprint, and synthesises those its cache lacks (NameWarmer). A call for a
 * user whose name is not ready yet synthesises it as before; names are not versions to hold back.
 */
export class IvrNodeSpeech {
  /** The API as the call flow uses it: the three spoken views as this node can play them, the rest as they are. */
  readonly api: TicketApi;
  private readonly catalogue: ReadySpeech<ServiceNode[]>;
  private readonly notices: ReadySpeech<AnnouncementsView>;
  /** The guidance texts only: the information menu's schedule is recorded prompts, heard as it is. */
  private readonly guidance: ReadySpeech<InformationView["guidance"]>;
  /** The fingerprint in the heartbeat's answers. */
  private readonly follower = new FingerprintFollower();
  /** The fetch started last. */
  private refreshing: Promise<void> | null = null;
  private readonly log: Logger;
  /** TTS_ENGINE=none: nothing to warm, every view is heard as the API serves it. */
  private readonly off: boolean;

  /** The users' names (none: a node built without the API's names, as in tests of the views alone). */
  readonly names: NameWarmer | null;

  constructor(
    private readonly source: TicketApi,
    tts: TtsService,
    logger: Logger,
    names: SpokenNamesSource | null = null,
  ) {
    this.log = logger.child({ part: "tts" });
    this.off = tts.engine === "none";
    this.names = this.off || !names ? null : new NameWarmer(names, tts, logger);
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
    if (this.off) return;
    void this.follower.follow(reply.spoken, () => [
      this.refresh().catch((err: unknown) => {
        this.log.warn({ err: describeError(err) }, "spoken texts could not be fetched from the API: calls will ask again");
        throw err;
      }),
      this.names?.warm().catch((err: unknown) => {
        this.log.warn({ err: describeError(err) }, "names could not be fetched from the API: the next heartbeat tries again");
        throw err;
      }),
    ]);
  }

  /** The node is stopping: its names pass ends (NameWarmer.stop); the heartbeats, stopped first, start none. */
  stop(): void {
    this.names?.stop();
  }

  /** Resolves when every synthesis started so far has ended (the names' included). */
  async idle(): Promise<void> {
    await this.follower.idle();
    await this.refreshing?.catch(() => undefined);
    await Promise.all([this.catalogue.idle(), this.notices.idle(), this.guidance.idle(), this.names?.idle()]);
  }

  /**
   * Before the port opens: fetch and warm the catalogue, the announcements and the guidance,
   * waiting at most `limitMs` (a slow or dead engine must not keep the PBX's calls out); then the
   * names, in the background, as `ura start` does.
   */
  async warmAtStart(limitMs: number): Promise<void> {
    if (this.off) return;
    const started = Date.now();
    try {
      await withDeadline(limitMs, async () => {
        await this.refresh();
        await Promise.all([this.catalogue.idle(), this.notices.idle(), this.guidance.idle()]);
      });
      this.log.info({ ms: Date.now() - started }, "spoken texts synthesised before the first call");
    } catch (err) {
      const why = err instanceof DeadlineExceededError ? `not done within TTS_PREWARM_WAIT_MS (${limitMs} ms), going on in the background` : "failed";
      this.log.warn({ err: describeError(err) }, `spoken texts prewarm ${why}`);
    }
    this.names?.warm().catch((err: unknown) => this.log.warn({ err: describeError(err) }, "names prewarm failed: the next heartbeat tries again"));
  }
}

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { announcementSentences, heartbeatSchema, partStatusSchema, spokenFingerprint, type LivenessBoard, type Store } from "../../domain/index.js";
import type { ApiContext } from "../context.js";
import { IVR_ONLY } from "./shared.js";

const tags = ["status"];
const statusResponse = z.object({ now: z.string(), parts: z.array(partStatusSchema) });
const heartbeatReply = partStatusSchema.extend({
  spoken: z
    .string()
    .optional()
    .describe("To an IVR node: a fingerprint of everything the IVR says with TTS (catalogue, guidance, announcements, users' names); when it changes, the node synthesises what it lacks"),
});

/**
 * How long the sentences read for the fingerprint are kept when no write here said they changed:
 * a write through another API node sharing the database, or an announcement whose end passed,
 * reaches the nodes within this and one heartbeat. A write here clears them at once.
 */
export const SPOKEN_SENTENCES_MAX_AGE_MS = 5_000;

/**
 * What the IVR says with TTS now, as a fingerprint (issue 13: an IVR node on another host warms a
 * change before its callers need it). Nodes beat every 10 s, and once a second each while calls
 * change, so the catalogue, guidance and announcements are not read and hashed for every heartbeat:
 * their sentences are kept until a write here changes them (the store's `spokenChanges`, so a node
 * still hears of it in its next heartbeat) or SPOKEN_SENTENCES_MAX_AGE_MS passes. The users' names
 * enter as their counter, one row, read every time (their writes come from many places).
 */
class SpokenNow {
  private kept: { at: number; sentences: Promise<string[]> } | null = null;
  private last: { sentences: string[]; names: number; fingerprint: string } | null = null;
  readonly stop: () => void;

  constructor(private readonly store: Store) {
    this.stop = store.spokenChanges.subscribe(() => (this.kept = null));
  }

  async fingerprint(now: Date): Promise<string> {
    const [sentences, names] = await Promise.all([this.sentences(now), this.store.users.namesVersion()]);
    if (this.last?.sentences !== sentences || this.last.names !== names) this.last = { sentences, names, fingerprint: spokenFingerprint(sentences, names) };
    return this.last.fingerprint;
  }

  /** Heartbeats arriving together share one read; a failed read is not kept. */
  private sentences(now: Date): Promise<string[]> {
    const kept = this.kept;
    if (kept && Math.abs(now.getTime() - kept.at) < SPOKEN_SENTENCES_MAX_AGE_MS) return kept.sentences;
    const entry = { at: now.getTime(), sentences: this.read(now) };
    this.kept = entry;
    entry.sentences.catch(() => {
      if (this.kept === entry) this.kept = null;
    });
    return entry.sentences;
  }

  private async read(now: Date): Promise<string[]> {
    const [catalogue, guidance, notices] = await Promise.all([this.store.catalogue.spokenSentences(), this.store.guidance.spokenSentences(), this.store.announcements.current(now)]);
    return [...catalogue, ...guidance, ...announcementSentences(notices)];
  }
}

/**
 * Seed 002's centraliser over HTTP: every part posts a heartbeat every 10 s (IVR nodes and the
 * WhatsApp service with an `ivr` token), and `GET /status` is the table `ura status` prints and
 * the console's status page shows.
 */
export const statusRoutes: FastifyPluginAsyncZod<ApiContext & { liveness: LivenessBoard }> = async (app, ctx) => {
  const spoken = new SpokenNow(ctx.store);
  app.addHook("onClose", async () => spoken.stop());
  app.post(
    "/heartbeats",
    {
      // Every part, every 10 s: at info level the request log would be mostly heartbeats.
      logLevel: "warn",
      config: IVR_ONLY,
      schema: { summary: "A part reports that it is alive (every 10 s; silent 30 s = OFFLINE)", tags, body: heartbeatSchema, response: { 200: heartbeatReply } },
    },
    async (request) => {
      const status = ctx.liveness.beat(request.body);
      // Only IVR nodes act on it (the WhatsApp service's heartbeats cost no reads); a database that
      // does not answer leaves it out rather than fail the heartbeat: the node is alive all the same.
      if (request.body.kind !== "ivr") return status;
      const fingerprint = await spoken.fingerprint(ctx.clock()).catch(() => undefined);
      return fingerprint === undefined ? status : { ...status, spoken: fingerprint };
    },
  );

  app.get(
    "/status",
    {
      config: { scopes: ["ivr", "web", "admin"] },
      schema: { summary: "Every part of the system: ONLINE or OFFLINE, since when, its version, host and state", tags, response: { 200: statusResponse } },
    },
    async () => ({ now: ctx.clock().toISOString(), parts: ctx.liveness.list() }),
  );
};

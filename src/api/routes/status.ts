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

/** What the IVR says with TTS now, as a fingerprint (issue 13: an IVR node on another host warms a change before its callers need it). */
async function spokenNow(store: Store, now: Date): Promise<string> {
  const [catalogue, guidance, notices, names] = await Promise.all([store.catalogue.spokenSentences(), store.guidance.spokenSentences(), store.announcements.current(now), store.users.namesVersion()]);
  return spokenFingerprint([...catalogue, ...guidance, ...announcementSentences(notices)], names);
}

/**
 * Seed 002's centraliser over HTTP: every part posts a heartbeat every 10 s (IVR nodes and the
 * WhatsApp service with an `ivr` token), and `GET /status` is the table `ura status` prints and
 * the console's status page shows.
 */
export const statusRoutes: FastifyPluginAsyncZod<ApiContext & { liveness: LivenessBoard }> = async (app, ctx) => {
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
      const spoken = await spokenNow(ctx.store, ctx.clock()).catch(() => undefined);
      return spoken === undefined ? status : { ...status, spoken };
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

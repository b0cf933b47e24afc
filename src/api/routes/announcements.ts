import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { announcementsResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

/** `/announcements`: what callers hear before the main menu now, and what starts later. */
export const announcementRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/announcements",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Announcements playing now (oldest first), and those scheduled to start later (for synthesis ahead of the calls)",
        tags: ["announcements"],
        response: { 200: announcementsResponse },
      },
    },
    async () => {
      const { playing, scheduled } = await ctx.store.announcements.forCallers(ctx.clock());
      return { playing: playing.map((a) => ({ id: a.id, text: a.text })), scheduled: scheduled.map((a) => ({ id: a.id, text: a.text, startsAt: a.startsAt })) };
    },
  );
};

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { announcementsResponse, informationResponse } from "../contract.js";
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

/** `/information`: the information menu's content (opening hours and guidance texts). */
export const informationRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/information",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "The information menu: the weekly schedule (URA_TIMEZONE) and the active guidance texts by key",
        tags: ["information"],
        response: { 200: informationResponse },
      },
    },
    async () => {
      const [schedule, guidance] = await Promise.all([ctx.store.hours.schedule(), ctx.store.guidance.list()]);
      return { schedule, guidance: guidance.map((g) => ({ key: g.key, title: g.title, prompt: g.prompt, text: g.text })) };
    },
  );
};

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { surveySummarySchema } from "../../../domain/index.js";
import { errorBody } from "../../contract.js";
import type { ApiContext } from "../../context.js";
import { ADMIN } from "../shared.js";

const summaryQuery = z.object({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() });

/** `/admin/surveys/summary`: the wallboard's customerSatisfaction and surveyCount (default: the last 24 hours). */
export const adminSurveyRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/surveys/summary",
    {
      config: ADMIN,
      schema: {
        summary: "Mean satisfaction score (1 to 5) and number of answers in [from, to)",
        tags: ["admin: surveys"],
        querystring: summaryQuery,
        response: { 200: surveySummarySchema, 400: errorBody },
      },
    },
    async (request) => {
      const to = request.query.to ? new Date(request.query.to) : ctx.clock();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - 86_400_000);
      return ctx.store.surveys.summary(from, to);
    },
  );
};

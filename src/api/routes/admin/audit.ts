import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as A from "../../admin-contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ADMIN } from "../shared.js";

const tags = ["admin: audit"];

/** `/admin/audit` and `/admin/purge`: who changed what, and retention. */
export const adminAuditRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/audit",
    {
      config: ADMIN,
      schema: { summary: "The audit log, newest first: which client, from which address, what changed", tags, querystring: A.auditQuery, response: { 200: A.auditList } },
    },
    async (request) => ({ entries: await ctx.store.audit.list(request.query) }),
  );

  app.post(
    "/purge",
    {
      config: ADMIN,
      schema: {
        summary:
          "Delete call records, audit rows, voice descriptions and recordings of transferred calls past their retention (RETENTION_CALL_DAYS, RETENTION_AUDIT_DAYS, RETENTION_RECORDING_DAYS), as `ura purge`",
        tags,
        response: { 200: A.purgeReport },
      },
    },
    async (request) => {
      const now = ctx.clock();
      const report = await ctx.store.purge(actorOf(request), now);
      return { ...report, ...(ctx.recordingFiles?.purge(now) ?? { transferRecordings: 0, voiceLeftovers: 0 }) };
    },
  );
};

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as A from "../../admin-contract.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ADMIN, noContent } from "../shared.js";

const tags = ["admin: identification"];

/**
 * `/admin/identification-rules/:scope/:subject`: how callers from a department's or one
 * extension's phones are identified (docs/security.md). Without a rule an own internal extension
 * needs no one-time code; a call from outside always needs the user code and a one-time code.
 */
export const adminIdentificationRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.get(
    "/identification-rules",
    { config: ADMIN, schema: { summary: "The identification default and its rules per department and extension", tags, response: { 200: A.identificationRuleList } } },
    async () => ({ internalDefault: "extension" as const, outside: "code-otp" as const, rules: await store.identification.list() }),
  );

  app.put(
    "/identification-rules/:scope/:subject",
    {
      config: ADMIN,
      schema: {
        summary: "Set how callers of a department (its name) or of one extension (its digits) are identified",
        tags,
        params: A.identificationRuleParams,
        body: A.identificationRuleBody,
        response: { 201: A.identificationRuleResponse, 200: A.identificationRuleResponse, 400: errorBody },
      },
    },
    async (request, reply) => {
      const { scope, subject } = request.params;
      const { rule, created } = await store.identification.put(scope, subject, request.body, actorOf(request), ctx.clock());
      return reply.code(created ? 201 : 200).send({ rule });
    },
  );

  app.delete(
    "/identification-rules/:scope/:subject",
    {
      config: ADMIN,
      schema: { summary: "Remove a rule: the default holds again", tags, params: A.identificationRuleParams, response: { 204: noContent, 404: errorBody } },
    },
    async (request, reply) => {
      await store.identification.delete(request.params.scope, request.params.subject, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );
};

import type { FastifyInstance } from "fastify";
import {
  errorBody,
  identifyByCallerRequest,
  identifyByCallerResponse,
  identifyByCodeRequest,
  identifyByCodeResponse,
} from "../contract.js";
import { publicUser, type ApiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { route } from "../route.js";

const scopes = ["ivr", "web"] as const;

export async function identifyRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  route(app, {
    method: "POST",
    url: "/identify/code",
    scopes,
    tags: ["identify"],
    summary: "Find an active user by their numeric user code",
    body: identifyByCodeRequest,
    responses: { 200: identifyByCodeResponse, 404: errorBody },
    async handler({ body }) {
      const user = await ctx.store.users.byCode(body.code);
      if (!user || !user.active) throw new ApiError(404, "unknown_user", "no active user with that code");
      return { user: publicUser(user) };
    },
  });

  route(app, {
    method: "POST",
    url: "/identify/caller",
    scopes,
    tags: ["identify"],
    summary: "Recognise a caller by the number/extension they call from (unique, shared or none)",
    body: identifyByCallerRequest,
    responses: { 200: identifyByCallerResponse },
    async handler({ body }) {
      const r = await ctx.store.users.byCaller(body.number);
      return r.match === "unique" ? { match: "unique", user: publicUser(r.user) } : { match: r.match };
    },
  });
}

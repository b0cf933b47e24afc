import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Actor } from "../domain/index.js";
import type { ApiClient, Scope } from "./auth.js";
import { ApiError, validationError } from "./errors.js";
import { jsonSchema } from "./json-schema.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated API client (set by the auth hook on routes that need a token). */
    apiClient?: ApiClient;
  }
  interface FastifyContextConfig {
    /** Scopes any one of which lets a token in; absent or empty: no token needed (allow-list still applies). */
    scopes?: readonly Scope[];
  }
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<B, Q, P> {
  body: Out<B>;
  query: Out<Q>;
  params: Out<P>;
  actor: Actor;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<B, Q, P> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  scopes: readonly Scope[];
  summary: string;
  tags: string[];
  body?: B;
  query?: Q;
  params?: P;
  /** Status → body schema, for the OpenAPI document (`null` for an empty body). */
  responses: Record<number, z.ZodType | null>;
  bodyLimit?: number;
  /** Other request content types the body may come in (JSON is always accepted). */
  consumes?: string[];
  handler(ctx: RouteContext<B, Q, P>): Promise<unknown>;
}

function parsePart<S extends z.ZodType | undefined>(schema: S, value: unknown, part: "body" | "query" | "params"): Out<S> {
  if (schema === undefined) {
    // A body sent to a route that takes none is a client mistake worth saying, not ignoring.
    if (part === "body" && value !== undefined && value !== null && !(typeof value === "object" && Object.keys(value).length === 0)) {
      throw new ApiError(400, "validation", "body: this request takes no body", "body");
    }
    return undefined as Out<S>;
  }
  const r = (schema as z.ZodType).safeParse(value ?? (part === "body" ? undefined : {}));
  if (!r.success) throw validationError(r.error, part);
  return r.data as Out<S>;
}

/**
 * Declares one route: zod validates (a bad field → 400 naming it), the same schemas feed the
 * OpenAPI document, and the handler receives typed values plus the acting client for the audit.
 */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined>(
  app: FastifyInstance,
  spec: RouteSpec<B, Q, P>,
): void {
  const response: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(spec.responses)) {
    response[Number(status)] = schema === null ? { type: "null", description: "empty" } : jsonSchema(schema, "output");
  }
  // Unknown body fields are refused (a misspelt `timeZone` must not be silently dropped).
  const bodySchema = spec.body instanceof z.ZodObject ? (spec.body.strict() as unknown as B) : spec.body;
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    config: { scopes: spec.scopes },
    schema: {
      summary: spec.summary,
      tags: spec.tags,
      ...(spec.scopes.length ? { security: [{ bearer: [] }] } : {}),
      ...(bodySchema ? { body: jsonSchema(bodySchema) } : {}),
      ...(spec.query ? { querystring: jsonSchema(spec.query) } : {}),
      ...(spec.params ? { params: jsonSchema(spec.params) } : {}),
      ...(spec.consumes ? { consumes: ["application/json", ...spec.consumes] } : {}),
      response,
    },
    handler: async (request, reply) => {
      const ctx: RouteContext<B, Q, P> = {
        params: parsePart(spec.params, request.params, "params") as Out<P>,
        query: parsePart(spec.query, request.query, "query") as Out<Q>,
        body: parsePart(bodySchema, request.body, "body") as Out<B>,
        actor: { client: request.apiClient?.name ?? "anonymous", address: request.ip ?? null },
        request,
        reply,
      };
      const result = await spec.handler(ctx);
      if (reply.sent) return reply;
      return result;
    },
  });
}

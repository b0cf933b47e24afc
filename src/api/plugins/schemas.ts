import type { FastifyInstance, onRouteHookHandler, preValidationHookHandler, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError } from "../errors.js";

/**
 * fastify validates and serialises with the routes' zod schemas (fastify-type-provider-zod): a
 * request that breaks its schema is a 400 naming the field (the shared access plugin words it), and
 * a response is encoded by its status's schema before it is written, so a field the schema does
 * not list never leaves, and a response that breaks its schema is a 500 (logged), never sent.
 * The same schemas make the OpenAPI document (plugins/openapi.ts).
 *
 * Conventions applied to every route here, so no route has to remember them:
 * - a JSON object body (or an object a union body may be) refuses unknown fields: a misspelt
 *   `timeZone` must not be silently dropped;
 * - a route that takes no body refuses one;
 * - a route that asks for scopes is documented as needing the bearer token.
 * Register it before @fastify/swagger, which then sees the routes as amended here.
 */
async function schemasPlugin(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.addHook("onRoute", applyConventions);
}

const TAKES_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const applyConventions: onRouteHookHandler = (route: RouteOptions) => {
  const schema = route.schema ? { ...route.schema } : undefined;
  if (schema?.body instanceof z.ZodType) schema.body = refuseUnknownFields(schema.body);
  if (route.config?.scopes?.length) {
    route.schema = { ...schema, security: [{ bearer: [] }] };
  } else if (schema) {
    route.schema = schema;
  }
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (!schema?.body && methods.some((m) => TAKES_BODY.has(m))) {
    route.preValidation = [...asArray(route.preValidation), refuseBody];
  }
};

/** The body object, or each object a union body may be, with unknown fields refused (nested objects are left as declared). */
function refuseUnknownFields(body: z.ZodType): z.ZodType {
  if (body instanceof z.ZodObject) return body.strict();
  if (body instanceof z.ZodUnion && !(body instanceof z.ZodDiscriminatedUnion)) return z.union(body.options.map((o) => (o instanceof z.ZodObject ? o.strict() : o)) as [z.ZodType, ...z.ZodType[]]);
  return body;
}

// A body sent where none is taken is a client mistake worth saying, not ignoring (`{}` is no body).
const refuseBody: preValidationHookHandler = async (request) => {
  const body = request.body;
  if (body === undefined || body === null || body === "") return;
  if (typeof body === "object" && Object.keys(body).length === 0) return;
  throw new ApiError(400, "validation", "body: this request takes no body", "body");
};

function asArray<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

export const zodSchemas = fp(schemasPlugin, { name: "api-schemas", fastify: "5.x" });

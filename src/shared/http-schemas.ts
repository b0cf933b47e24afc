import type { FastifyInstance, onRouteHookHandler, preValidationHookHandler, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { HttpError } from "./http-access.js";

/**
 * fastify validates and serialises with the routes' zod schemas (fastify-type-provider-zod), in the
 * ticket API and the WhatsApp service alike: a request that breaks its schema is a 400 naming the
 * field (the access plugin words it), and a response is encoded by its status's schema before it is
 * written, so a field the schema does not list never leaves, and a response that breaks its schema
 * is a 500 (logged), never sent.
 *
 * Conventions applied to every route, so no route has to remember them:
 * - a JSON object body (or an object a union body may be) refuses unknown fields: a misspelt
 *   `timeZone` must not be silently dropped;
 * - a route that takes no body refuses one.
 * Register it before @fastify/swagger, which then sees the routes as amended here.
 */
export interface HttpSchemasOptions {
  /** The `error` code of a malformed request, as in the access plugin's options. */
  invalidRequest: string;
}

async function httpSchemasPlugin(app: FastifyInstance, options: HttpSchemasOptions): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onRoute", conventions(options.invalidRequest));
}

const TAKES_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function conventions(invalidRequest: string): onRouteHookHandler {
  // A body sent where none is taken is a client mistake worth saying, not ignoring (`{}` is no body).
  const refuseBody: preValidationHookHandler = async (request) => {
    const body = request.body;
    if (body === undefined || body === null || body === "") return;
    if (typeof body === "object" && Object.keys(body).length === 0) return;
    throw new HttpError(400, invalidRequest, "body: this request takes no body", "body");
  };
  return (route: RouteOptions) => {
    if (route.schema?.body instanceof z.ZodType) route.schema = { ...route.schema, body: refuseUnknownFields(route.schema.body) };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!route.schema?.body && methods.some((m) => TAKES_BODY.has(m))) {
      route.preValidation = [...asArray(route.preValidation), refuseBody];
    }
  };
}

/** The body object, or each object a union body may be, with unknown fields refused (nested objects are left as declared). */
function refuseUnknownFields(body: z.ZodType): z.ZodType {
  if (body instanceof z.ZodObject) return body.strict();
  if (body instanceof z.ZodUnion && !(body instanceof z.ZodDiscriminatedUnion)) return z.union(body.options.map((o) => (o instanceof z.ZodObject ? o.strict() : o)) as [z.ZodType, ...z.ZodType[]]);
  return body;
}

function asArray<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** Registered once at the root of a service, after the access plugin (fastify-plugin: not encapsulated). */
export const httpSchemas = fp(httpSchemasPlugin, { name: "http-schemas", fastify: "5.x" });

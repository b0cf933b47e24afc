import type { FastifyInstance, onRouteHookHandler, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { decodeCsv } from "../../domain/index.js";
import { httpSchemas } from "../../shared/http-schemas.js";

/**
 * The API's routes are validated and serialised from their zod schemas with the conventions every
 * service shares (src/shared/http-schemas.ts), plus the API's own: CSV bodies (the users import) come
 * in as text decoded from UTF-8 or Windows-1252, and a route that asks for scopes is documented as needing the bearer token.
 * Register it before @fastify/swagger, which then sees the routes as amended here.
 */
async function schemasPlugin(app: FastifyInstance): Promise<void> {
  await app.register(httpSchemas, { invalidRequest: "validation" });
  // As bytes: a spreadsheet's CSV may be Windows-1252, which decoding as UTF-8 would spoil (decodeCsv).
  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "buffer" }, (_req, body, done) => {
    try {
      done(null, decodeCsv(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook("onRoute", documentBearer);
}

const documentBearer: onRouteHookHandler = (route: RouteOptions) => {
  if (route.config?.scopes?.length) route.schema = { ...route.schema, security: [{ bearer: [] }] };
};

export const zodSchemas = fp(schemasPlugin, { name: "api-schemas", fastify: "5.x" });

import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from "fastify-type-provider-zod";
import { z } from "zod";
import { adminServiceNode } from "../admin-contract.js";
import { serviceNode } from "../contract.js";

/**
 * Schemas that become named components of the document. The catalogue trees are recursive: as
 * components their children refer back to them (`$ref`), instead of being unrolled to some depth.
 * zod's global registry, because the document's metadata is read from the registry given here:
 * a registry of its own left out every field's `.describe()` text.
 */
const components = z.globalRegistry;
components.add(serviceNode, { ...components.get(serviceNode), id: "ServiceNode" });
components.add(adminServiceNode, { ...components.get(adminServiceNode), id: "AdminServiceNode" });

/** The OpenAPI 3.1 document at /docs/json and its UI at /docs, made from the routes' zod schemas. */
export async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "ura-chamados ticket API",
        version: "1",
        description: "The help desk's system of record. Bearer tokens with scopes ivr, web, admin; see docs/api.md.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          // The console's session (POST /api/v1/session); state-changing requests also need X-CSRF-Token.
          consoleSession: { type: "apiKey", in: "cookie", name: "ura_sessao" },
        },
      },
    },
    transform: createJsonSchemaTransform({ schemaRegistry: components, skipList: [] }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: components }),
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
}

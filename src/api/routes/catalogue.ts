import type { FastifyInstance } from "fastify";
import type { CatalogueNode } from "../../domain/index.js";
import { catalogueResponse, type ServiceNode } from "../contract.js";
import type { ApiContext } from "../context.js";
import { route } from "../route.js";

const toServiceNode = (n: CatalogueNode): ServiceNode => ({
  id: n.id,
  key: n.key,
  label: n.label,
  prompt: n.prompt,
  children: n.children.map(toServiceNode),
});

export async function catalogueRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  route(app, {
    method: "GET",
    url: "/catalogue",
    scopes: ["ivr", "web"],
    tags: ["catalogue"],
    summary: "The active service catalogue: menus with their DTMF keys and prompts; tickets open on leaves",
    responses: { 200: catalogueResponse },
    async handler() {
      return { services: (await ctx.store.catalogue.tree()).map(toServiceNode) };
    },
  });
}

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { CatalogueNode } from "../../domain/index.js";
import { catalogueResponse, type ServiceNode } from "../contract.js";
import type { ApiContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

const toServiceNode = (n: CatalogueNode): ServiceNode => ({
  id: n.id,
  key: n.key,
  label: n.label,
  prompt: n.prompt,
  children: n.children.map(toServiceNode),
});

export const catalogueRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    "/catalogue",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "The active service catalogue: menus with their DTMF keys and prompts; tickets open on leaves",
        tags: ["catalogue"],
        response: { 200: catalogueResponse },
      },
    },
    // As callers hear it: a change reaches them once its sentences are synthesised (CatalogueRepository.forCallers).
    async () => ({ services: (await ctx.store.catalogue.forCallers()).map(toServiceNode) }),
  );
};

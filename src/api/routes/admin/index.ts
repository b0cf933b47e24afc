import type { FastifyPluginAsync } from "fastify";
import type { ApiContext } from "../../context.js";
import { adminAccountRoutes, adminKioskRoutes } from "./accounts.js";
import { adminAnnouncementRoutes } from "./announcements.js";
import { adminGuidanceRoutes } from "./guidance.js";
import { adminAuditRoutes } from "./audit.js";
import { adminCatalogueRoutes } from "./catalogue.js";
import { adminHoursRoutes } from "./hours.js";
import { adminIdentificationRoutes } from "./identification.js";
import { adminSurveyRoutes } from "./surveys.js";
import { adminTicketRoutes } from "./tickets.js";
import { adminUserRoutes } from "./users.js";

/** Management routes (scope `admin`), one plugin per resource; registered with `prefix: "/admin"`. */
export const adminRoutes: FastifyPluginAsync<ApiContext & { prefix?: string }> = async (app, { prefix: _prefix, ...ctx }) => {
  await app.register(adminUserRoutes, ctx);
  await app.register(adminCatalogueRoutes, ctx);
  await app.register(adminHoursRoutes, ctx);
  await app.register(adminIdentificationRoutes, ctx);
  await app.register(adminSurveyRoutes, ctx);
  await app.register(adminAnnouncementRoutes, ctx);
  await app.register(adminGuidanceRoutes, ctx);
  await app.register(adminTicketRoutes, ctx);
  await app.register(adminAuditRoutes, ctx);
  await app.register(adminAccountRoutes, ctx);
  await app.register(adminKioskRoutes, ctx);
};

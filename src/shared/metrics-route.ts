import type { FastifyInstance } from "fastify";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.js";

/**
 * `GET /metrics` in Prometheus text format: every metric of this process (src/shared/metrics.ts).
 * No token (Prometheus scrapes without one), but the service's client-address allow-list applies,
 * as to every route that does not say `anyClient`: add the Prometheus server's address to it.
 */
export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/metrics",
    // A scrape every 15 s is not worth a log line each.
    { logLevel: "warn", schema: { summary: "Prometheus metrics (text format)", tags: ["health"] } },
    async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).header("cache-control", "no-store").send(await renderMetrics()),
  );
}

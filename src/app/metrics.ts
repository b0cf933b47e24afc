import Fastify from "fastify";
import type { Logger } from "pino";
import { listenOn, localUrl, type Settings } from "../config/index.js";
import { httpAccess } from "../shared/http-access.js";
import { metricsRoutes } from "../shared/metrics-route.js";

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `/metrics` for `ura ivr` running alone (the API and the WhatsApp service serve it on their own
 * port): METRICS_HOST:METRICS_PORT, readable from METRICS_ALLOWED_CLIENTS only. Null when
 * METRICS_PORT is 0. The port in use is a configuration error naming the variable: two nodes on
 * one host both on the default was a bare EADDRINUSE.
 */
export async function startMetricsServer(settings: Settings, logger: Logger, options: { port?: number } = {}): Promise<MetricsServer | null> {
  if (settings.METRICS_PORT === 0) return null;
  const app = Fastify({ loggerInstance: logger.child({ component: "metrics" }) });
  await app.register(httpAccess, {
    allowedClients: settings.METRICS_ALLOWED_CLIENTS,
    allowedClientsSetting: "METRICS_ALLOWED_CLIENTS",
    tokens: [],
    tokensSetting: "no token: /metrics needs none",
    realm: "ura-metrics",
    invalidRequest: "invalid_request",
  });
  await app.register(metricsRoutes);
  const wanted = options.port ?? settings.METRICS_PORT;
  await listenOn(
    "METRICS_PORT",
    { host: settings.METRICS_HOST, port: wanted },
    () => app.listen({ host: settings.METRICS_HOST, port: wanted }).catch(async (err: unknown) => {
      await app.close();
      throw err;
    }),
    "another ura ivr on this host?",
    "give each node its own METRICS_PORT, or 0 for none",
  );
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : settings.METRICS_PORT;
  const url = localUrl(settings.METRICS_HOST, port);
  logger.info({ url: `${url}/metrics` }, "metrics listening");
  return { url, close: () => app.close() };
}

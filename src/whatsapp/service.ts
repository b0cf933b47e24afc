import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { dataPath, listenOn, localUrl, type Settings } from "../config/index.js";
import { watchWhatsapp } from "../shared/metrics.js";
import { SESSION_STATES, type SessionStatus, type WhatsappClient } from "./client.js";
import { DeliveryQueue, type QueueOptions } from "./delivery-queue.js";
import { qrTerminal } from "./qr.js";
import { buildServer } from "./server.js";
import { serviceToken, tokenFile } from "./token.js";
import { createVenomClient } from "./venom-client.js";

export interface StartOptions {
  logger: Logger;
  /** Where the QR code is drawn (the terminal, or the journal under systemd). Default stdout. */
  terminal?: NodeJS.WritableStream;
  /** The WhatsApp session; default venom-bot driving CHROMIUM_PATH. Tests pass a fake. */
  client?: WhatsappClient;
  /** Queue tuning (retry backoff, timers) for tests. */
  queue?: Partial<Omit<QueueOptions, "client" | "logger">>;
  /** Listen here instead of WHATSAPP_PORT (tests: 0 for any free port). */
  port?: number;
}

export interface WhatsappService {
  /** Where the service listens, e.g. http://127.0.0.1:8090. */
  url: string;
  app: FastifyInstance;
  client: WhatsappClient;
  queue: DeliveryQueue;
  close(): Promise<void>;
}

/**
 * `ura whatsapp`: the WhatsApp session, the delivery queue and the HTTP service, wired together.
 * Resolves once the HTTP port is open; the session links (or asks for a QR) in the background, and
 * the service answers /health and /api/auth/status whatever state the session is in.
 */
export async function startWhatsappService(settings: Settings, options: StartOptions): Promise<WhatsappService> {
  const logger = options.logger;
  const terminal = options.terminal ?? process.stdout;
  const { token, source } = await serviceToken(settings);
  if (source === "file") {
    logger.info(
      { file: tokenFile(settings) },
      "WHATSAPP_TOKEN is empty: using the token in this file (the ticket API reads it there when it shares DATA_DIR; otherwise copy it into WHATSAPP_TOKEN on both sides)",
    );
  }

  const sessionDir = dataPath(settings, settings.WHATSAPP_SESSION_DIR, "whatsapp-session");
  const client =
    options.client ??
    createVenomClient({
      session: settings.WHATSAPP_SESSION_NAME,
      sessionDir,
      chromiumPath: settings.CHROMIUM_PATH,
      logger: logger.child({ component: "venom" }),
    });
  const stopWatching = watchSession(client, logger, terminal, settings);
  const queue = new DeliveryQueue({
    client,
    logger: logger.child({ component: "queue" }),
    maxSize: settings.WHATSAPP_QUEUE_MAX,
    perNumberPerMinute: settings.WHATSAPP_PER_NUMBER_PER_MINUTE,
    ...options.queue,
  });
  const unwatch = watchWhatsapp(SESSION_STATES, () => {
    const status = client.status();
    return { queued: queue.size, state: status.state, connected: status.connected };
  });
  const app = await buildServer({
    client,
    queue,
    token,
    allowedClients: settings.WHATSAPP_ALLOWED_CLIENTS,
    trustProxy: settings.WHATSAPP_TRUST_PROXY,
    logger,
    // Beside the login: deleting the session directory (a new number) makes the next QR a first link.
    linkedMarkerFile: join(sessionDir, `${settings.WHATSAPP_SESSION_NAME}.linked`),
  });
  try {
    const address = { host: settings.WHATSAPP_HOST, port: options.port ?? settings.WHATSAPP_PORT };
    await listenOn("WHATSAPP_PORT", address, () => app.listen(address));
  } catch (err) {
    unwatch();
    queue.close();
    stopWatching();
    await client.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : settings.WHATSAPP_PORT;
  const url = localUrl(settings.WHATSAPP_HOST, port);
  logger.info({ url, session: client.status().state }, "whatsapp service listening");

  return {
    url,
    app,
    client,
    queue,
    async close() {
      unwatch();
      queue.close();
      stopWatching();
      await app.close();
      await client.close();
    },
  };
}

/** Logs link/unlink/connection events and draws each new QR code in the terminal. */
function watchSession(client: WhatsappClient, logger: Logger, terminal: NodeJS.WritableStream, settings: Settings): () => void {
  let previous: SessionStatus = client.status();
  let lastQr: string | undefined;
  const log = logger.child({ component: "session" });
  const onStatus = (status: SessionStatus) => {
    const fields = { state: status.state, detail: status.detail };
    if (!previous.linked && status.linked) log.info(fields, "WhatsApp linked");
    else if (previous.linked && !status.linked && status.state !== "closed") {
      log.warn(fields, "WhatsApp unlinked: scan a new QR code to link the number again");
    }
    if (status.connected && !previous.connected) log.info(fields, "WhatsApp connected: messages go out");
    else if (previous.connected && !status.connected) log.warn(fields, "WhatsApp disconnected: messages wait in the queue");
    else if (status.state === "failed") log.error(fields, "WhatsApp session cannot start");
    else if (status.state !== previous.state) log.info(fields, `WhatsApp session ${status.state}`);
    if (status.state === "qr" && status.qr !== undefined && status.qr !== lastQr) {
      lastQr = status.qr;
      void showQr(status, terminal, settings).catch((err: unknown) => log.warn({ err }, "could not draw the QR code"));
    }
    previous = status;
  };
  onStatus(client.status());
  return client.onStateChange(onStatus);
}

async function showQr(status: SessionStatus, terminal: NodeJS.WritableStream, settings: Settings): Promise<void> {
  const drawing = await qrTerminal(status.qr!);
  terminal.write(
    `\nLink the municipality's WhatsApp number: on its phone open WhatsApp → Linked devices → Link a device, and scan` +
      ` (QR ${status.qrAttempt ?? 1}; it is renewed every ~20 s; also at ${localUrl(settings.WHATSAPP_HOST, settings.WHATSAPP_PORT)}/api/auth/qr)\n${drawing}\n`,
  );
}

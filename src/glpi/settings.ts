import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import type { TicketBackendFactory } from "../domain/index.js";
import type { Notifier } from "../notify/index.js";
import { GlpiClient } from "./client.js";
import { GlpiConfigError } from "./errors.js";
import { DEFAULT_PHONE_REQUEST_TYPE, GlpiTicketBackend, type GlpiBackendOptions } from "./ticket-backend.js";

export function glpiClientFromSettings(settings: Settings, logger?: Logger, timeoutMs = 10_000): GlpiClient {
  if (settings.GLPI_URL === "") throw new GlpiConfigError("GLPI_URL", "not set");
  if (settings.GLPI_USER_TOKEN === "") throw new GlpiConfigError("GLPI_USER_TOKEN", "not set");
  return new GlpiClient({
    url: settings.GLPI_URL,
    appToken: settings.GLPI_APP_TOKEN,
    auth: { userToken: settings.GLPI_USER_TOKEN },
    timeoutMs,
    logger,
  });
}

/** GLPI_REQUEST_TYPE_ID, else the request type named "Phone", else 3, with how it was found (for `ura doctor`). */
export async function resolveRequestType(client: GlpiClient, settings: Settings): Promise<{ id: number; how: string }> {
  if (settings.GLPI_REQUEST_TYPE_ID !== "") return { id: Number(settings.GLPI_REQUEST_TYPE_ID), how: "GLPI_REQUEST_TYPE_ID" };
  const id = await client.requestTypeId("Phone", { timeoutMs: 5000 });
  if (id !== null) return { id, how: 'the request type named "Phone"' };
  return { id: DEFAULT_PHONE_REQUEST_TYPE, how: `no "Phone" request type in GLPI: the default ${DEFAULT_PHONE_REQUEST_TYPE}` };
}

/**
 * The store's ticket backend for TICKET_BACKEND=glpi (`openStore(settings, { tickets: … })`): GLPI
 * behind its outbox in this database, waiting for GLPI at most half the IVR's silence budget
 * (IVR_API_BUDGET_MS) inside open(), the rest left for the database and the network. Its outbox
 * worker starts at once; the store's close() stops it and ends the GLPI session.
 */
export function glpiBackendFactory(
  extra: { logger?: Logger; notifier?: Notifier; tuning?: Partial<Pick<GlpiBackendOptions, "retry" | "uncertainDelayMs" | "pollMs" | "requestTimeoutMs">> } = {},
): TicketBackendFactory {
  return ({ db, settings }) => {
    const logger = extra.logger?.child({ glpi: true });
    const backend = new GlpiTicketBackend({
      db,
      client: glpiClientFromSettings(settings, logger),
      siteCode: settings.SITE_CODE,
      timeZone: settings.URA_TIMEZONE,
      entityId: settings.GLPI_ENTITY_ID === "" ? null : Number(settings.GLPI_ENTITY_ID),
      requestTypeId: settings.GLPI_REQUEST_TYPE_ID === "" ? null : Number(settings.GLPI_REQUEST_TYPE_ID),
      answerWithinMs: Math.floor(settings.IVR_API_BUDGET_MS / 2),
      notifier: extra.notifier,
      logger,
      ...extra.tuning,
    });
    backend.start();
    return backend;
  };
}

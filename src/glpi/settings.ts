import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import type { Db } from "../domain/db.js";
import type { Notifier } from "../notify/port.js";
import { GlpiClient } from "./client.js";
import { GlpiConfigError } from "./errors.js";
import { GlpiTicketBackend } from "./ticket-backend.js";

/** GLPI's request type "Phone" on a fresh install (reference §5.2). */
export const DEFAULT_PHONE_REQUEST_TYPE = 3;

export function glpiClientFromSettings(settings: Settings, logger?: Logger, timeoutMs = 10_000): GlpiClient {
  if (settings.GLPI_URL === "") throw new GlpiConfigError("GLPI_URL", "not set");
  if (settings.GLPI_USER_TOKEN === "") throw new GlpiConfigError("GLPI_USER_TOKEN", "not set");
  return new GlpiClient({
    url: settings.GLPI_URL,
    appToken: settings.GLPI_APP_TOKEN,
    auth: { userToken: settings.GLPI_USER_TOKEN },
    timeoutMs,
    logger: logger?.child({ glpi: true }),
  });
}

/** GLPI_REQUEST_TYPE_ID, else the request type named "Phone", else 3 (also when GLPI cannot be asked now). */
export async function resolveRequestType(client: GlpiClient, settings: Settings, logger?: Logger): Promise<{ id: number; how: string }> {
  if (settings.GLPI_REQUEST_TYPE_ID !== "") return { id: Number(settings.GLPI_REQUEST_TYPE_ID), how: "GLPI_REQUEST_TYPE_ID" };
  try {
    const id = await client.requestTypeId("Phone", { timeoutMs: 5000 });
    if (id !== null) return { id, how: 'the request type named "Phone"' };
    logger?.warn(`GLPI has no request type named "Phone"; using ${DEFAULT_PHONE_REQUEST_TYPE} (set GLPI_REQUEST_TYPE_ID)`);
    return { id: DEFAULT_PHONE_REQUEST_TYPE, how: `no "Phone" request type in GLPI: the default ${DEFAULT_PHONE_REQUEST_TYPE}` };
  } catch (err) {
    logger?.warn({ err: (err as Error).message }, `could not look up GLPI's "Phone" request type; using ${DEFAULT_PHONE_REQUEST_TYPE}`);
    return { id: DEFAULT_PHONE_REQUEST_TYPE, how: `GLPI not reachable: the default ${DEFAULT_PHONE_REQUEST_TYPE}` };
  }
}

/**
 * The GLPI TicketBackend the settings describe, its request type resolved. It waits for GLPI at most
 * half the IVR's silence budget (IVR_API_BUDGET_MS) inside open(), leaving the rest for the database
 * and the network. Call start() to run the outbox worker and stop() at shutdown.
 */
export async function createGlpiBackend(settings: Settings, db: Db, deps: { logger?: Logger; notifier?: Notifier } = {}): Promise<GlpiTicketBackend> {
  const client = glpiClientFromSettings(settings, deps.logger);
  const requestType = await resolveRequestType(client, settings, deps.logger);
  return new GlpiTicketBackend({
    db,
    client,
    siteCode: settings.SITE_CODE,
    timeZone: settings.URA_TIMEZONE,
    entityId: settings.GLPI_ENTITY_ID === "" ? null : Number(settings.GLPI_ENTITY_ID),
    requestTypeId: requestType.id,
    answerWithinMs: Math.floor(settings.IVR_API_BUDGET_MS / 2),
    notifier: deps.notifier,
    logger: deps.logger?.child({ glpi: true }),
  });
}

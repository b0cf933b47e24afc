import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import {
  BuiltinTicketBackend,
  openStore,
  type Actor,
  type OpenTicketInput,
  type Store,
  type StoreOptions,
  type TicketBackend,
  type TicketBackendFactory,
  type TicketView,
  type UserRepository,
} from "../domain/index.js";
import { glpiBackendFactory } from "../glpi/index.js";
import { notifierFromSettings, type Notifier } from "../notify/index.js";

/** The GLPI outbox's pace (retries, polling), for tests; the defaults suit production. */
export type GlpiTuning = NonNullable<Parameters<typeof glpiBackendFactory>[0]>["tuning"];

/** How long the notices still queued at shutdown may take to go out. */
const NOTICE_GRACE_MS = 3000;

/**
 * The store `ura start` and `ura api` run on: the ticket backend TICKET_BACKEND names (the builtin
 * tables, or GLPI behind its outbox), and the notices of new tickets (Telegram, the webhook) the
 * settings ask for, from either backend. The IVR and the routes only see `store.tickets`.
 * close() stops the backend (the GLPI outbox worker, then killSession), then lets queued notices
 * go for a moment.
 */
export async function openTicketStore(settings: Settings, logger: Logger, options: Omit<StoreOptions, "tickets"> & { glpi?: GlpiTuning } = {}): Promise<Store> {
  const notifier = notifierFromSettings(settings, logger.child({ notify: true }));
  let store: Store;
  try {
    store = await openStore(settings, { ...options, tickets: ticketBackendFactory(settings, logger, notifier, options.glpi) });
  } catch (err) {
    await notifier.close(0);
    throw err;
  }
  if (notifier.name !== "none") logger.info({ notifiers: notifier.name, backend: store.tickets.kind }, "new tickets are announced");
  return {
    ...store,
    async close() {
      try {
        await store.close();
      } finally {
        await notifier.close(NOTICE_GRACE_MS);
      }
    },
  };
}

/** TICKET_BACKEND as the store's ticket backend, telling `notifier` about every new ticket. */
export function ticketBackendFactory(settings: Settings, logger: Logger, notifier: Notifier, glpi?: GlpiTuning): TicketBackendFactory {
  if (settings.TICKET_BACKEND === "glpi") return glpiBackendFactory({ logger, notifier, tuning: glpi });
  return ({ db, users, catalogue }) =>
    notifying(new BuiltinTicketBackend(db, { siteCode: settings.SITE_CODE, timeZone: settings.URA_TIMEZONE, services: (q) => catalogue.recentIndex(q) }), users, notifier, logger);
}

/**
 * The builtin backend, announcing each ticket it creates (a second open for the same call creates
 * nothing and announces nothing). The notice is queued after the answer is known and its
 * department read in the background: a call never waits for it. (GLPI's backend announces a
 * ticket itself, once GLPI holds it.)
 */
export function notifying(backend: TicketBackend, users: UserRepository, notifier: Notifier, logger: Logger): TicketBackend {
  if (notifier.name === "none") return backend;
  const announce = async (ticket: TicketView, callerNumber: string | null): Promise<void> => {
    const user = await users.byCode(ticket.requester.code);
    notifier.ticketOpened({
      key: `builtin:${ticket.protocol}`,
      backend: "builtin",
      protocol: ticket.protocol,
      service: ticket.service,
      requester: { code: ticket.requester.code, name: ticket.requester.name, department: user?.department ?? null },
      callerNumber,
      source: ticket.source,
      url: null,
      openedAt: ticket.createdAt,
    });
  };
  // Every other operation is the backend's own (through the prototype), whatever the port grows.
  return Object.assign(Object.create(backend) as TicketBackend, {
    async open(input: OpenTicketInput, actor: Actor, now: Date, options?: { notAfter?: number }) {
      const result = await backend.open(input, actor, now, options);
      if (result.created) {
        void announce(result.ticket, input.call?.callerNumber?.trim() || null).catch((err: unknown) => logger.warn({ err: (err as Error).message, protocol: result.ticket.protocol }, "could not announce the new ticket"));
      }
      return result;
    },
  });
}

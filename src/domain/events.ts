import { createEventBus, type EventBus } from "../shared/event-bus.js";
import type { TransferRecord } from "./calls.js";
import type { TicketBackend, TicketView } from "./ports/index.js";

/**
 * What changed in the help desk, as it happens in this process: the console's live views (the
 * technicians' queue, the screen-pop cards, the wallboard) subscribe. Published after the change
 * is committed, so a listener that reads the store sees it. Several API nodes: each publishes its
 * own changes; the other nodes' screens catch up on their periodic refresh (docs/console.md).
 */
export type HelpDeskEvent =
  | { type: "ticket-opened"; ticket: TicketView }
  | { type: "ticket-changed"; ticket: TicketView }
  | { type: "call-transferred"; transfer: TransferRecord };

export type HelpDeskEvents = EventBus<HelpDeskEvent>;

export function createHelpDeskEvents(onListenerError?: (err: unknown, event: HelpDeskEvent) => void): HelpDeskEvents {
  return createEventBus<HelpDeskEvent>(onListenerError);
}

/** The backend in force, publishing each ticket opened (a new one, not an idempotent repeat) and each change. */
export function publishingBackend(backend: TicketBackend, events: HelpDeskEvents): TicketBackend {
  const changed = <T extends { ticket: TicketView }>(result: T): T => {
    events.publish({ type: "ticket-changed", ticket: result.ticket });
    return result;
  };
  const observed: TicketBackend = {
    get kind() {
      return backend.kind;
    },
    async open(input, actor, now, options) {
      const result = await backend.open(input, actor, now, options);
      if (result.created) events.publish({ type: "ticket-opened", ticket: result.ticket });
      return result;
    },
    forRequester: (protocol, userCode) => backend.forRequester(protocol, userCode),
    list: (filter) => backend.list(filter),
    get: (protocol) => backend.get(protocol),
    changeStatus: async (protocol, change, actor, now) => changed(await backend.changeStatus(protocol, change, actor, now)),
    attach: (protocol, file, actor, now) => backend.attach(protocol, file, actor, now),
    readAttachment: (protocol, id) => backend.readAttachment(protocol, id),
  };
  if (backend.work) {
    const work = backend.work.bind(backend);
    observed.work = async (protocol, w, actor, now) => changed(await work(protocol, w, actor, now));
  }
  if (backend.counts) observed.counts = backend.counts.bind(backend);
  if (backend.countByService) observed.countByService = backend.countByService.bind(backend);
  if (backend.responseStats) observed.responseStats = backend.responseStats.bind(backend);
  if (backend.close) observed.close = backend.close.bind(backend);
  return observed;
}

import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import { AmiClient, type AmiClientOptions } from "./client.js";
import type { QueueEvent, QueueEventSource, QueueSummarySource } from "./port.js";
import { toQueueEvent, toQueueSummary } from "./queue-events.js";

export { AmiClient, type AmiClientOptions, type AmiStatus } from "./client.js";
export { AmiActionError, AmiAuthError, AmiConnectionError, AmiProtocolError, AmiArgumentError } from "./errors.js";
export { AmiParser, formatAction, type AmiMessage } from "./protocol.js";
export { extensionOf, toQueueEvent, toQueueSummary } from "./queue-events.js";
export { callIdOf } from "./correlate.js";
export type { QueueEvent, QueueEventSource, QueueCallRef, QueueMemberRef, QueueLinkStatus, QueueSummary, QueueSummarySource } from "./port.js";

/** The queue's events read from an AMI connection (which the source opens on start()). */
export function amiQueueEvents(options: AmiClientOptions, clock: () => Date = () => new Date()): QueueEventSource {
  const client = new AmiClient(options);
  const listeners = new Set<(event: QueueEvent) => void>();
  client.onEvent((message) => {
    const event = toQueueEvent(message, clock());
    if (!event) return;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // A faulty consumer must not keep the event from the others.
        options.logger?.error({ err, event: event.kind }, "queue event listener failed");
      }
    }
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get status() {
      return client.status;
    },
    start: () => client.start(),
    close: () => client.close(),
  };
}

/**
 * The queue's state on request (QueueSummary), over its own AMI session without events: the IVR
 * asks one question per technician request and needs none of the event stream. `timeoutMs` bounds
 * each question (QUEUE_STATUS_TIMEOUT_MS).
 */
export function amiQueueSummaries(options: AmiClientOptions & { timeoutMs: number }): QueueSummarySource {
  const client = new AmiClient({ ...options, events: false });
  return {
    async load(queue, { signal } = {}) {
      const events = await client.list("QueueSummary", { Queue: queue }, { timeoutMs: options.timeoutMs, signal });
      return toQueueSummary(events, queue);
    },
    get status() {
      return client.status;
    },
    start: () => client.start(),
    close: () => client.close(),
  };
}

/** The queue's state for the IVR when ASTERISK_AMI_HOST is set, else null (a technician request then transfers without asking). */
export function queueSummariesFromSettings(settings: Settings, logger?: Logger): QueueSummarySource | null {
  if (settings.ASTERISK_AMI_HOST === "") return null;
  return amiQueueSummaries({
    host: settings.ASTERISK_AMI_HOST,
    port: settings.ASTERISK_AMI_PORT,
    username: settings.ASTERISK_AMI_USER,
    secret: settings.ASTERISK_AMI_SECRET,
    timeoutMs: settings.QUEUE_STATUS_TIMEOUT_MS,
    ...(logger ? { logger } : {}),
  });
}

/** The AMI queue events when ASTERISK_AMI_HOST is set (the schema makes user and secret come with it), else null. */
export function queueEventsFromSettings(settings: Settings, logger?: Logger): QueueEventSource | null {
  if (settings.ASTERISK_AMI_HOST === "") return null;
  return amiQueueEvents({
    host: settings.ASTERISK_AMI_HOST,
    port: settings.ASTERISK_AMI_PORT,
    username: settings.ASTERISK_AMI_USER,
    secret: settings.ASTERISK_AMI_SECRET,
    ...(logger ? { logger } : {}),
  });
}

import type { Logger } from "pino";
import type { Settings } from "../config/index.js";
import { AmiClient, type AmiClientOptions } from "./client.js";
import type { QueueEvent, QueueEventSource } from "./port.js";
import { toQueueEvent } from "./queue-events.js";

export { AmiClient, type AmiClientOptions, type AmiStatus } from "./client.js";
export { AmiAuthError, AmiConnectionError, AmiProtocolError, AmiArgumentError } from "./errors.js";
export { AmiParser, formatAction, type AmiMessage } from "./protocol.js";
export { extensionOf, toQueueEvent } from "./queue-events.js";
export { callIdOf } from "./correlate.js";
export type { QueueEvent, QueueEventSource, QueueCallRef, QueueMemberRef, QueueLinkStatus } from "./port.js";

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

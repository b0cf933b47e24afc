/**
 * An in-process publish/subscribe channel: the ticket backend, the IVR's transfer events and the
 * health checks publish; the console's live views subscribe. A listener that throws is reported
 * and skipped, so one faulty view never keeps an event from the others or from the publisher.
 */
export interface EventBus<E> {
  publish(event: E): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: E) => void): () => void;
}

/** The subscribing half, for code that must not publish. */
export type EventSource<E> = Pick<EventBus<E>, "subscribe">;

export function createEventBus<E>(onListenerError: (err: unknown, event: E) => void = () => undefined): EventBus<E> {
  const listeners = new Set<(event: E) => void>();
  return {
    publish(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (err) {
          onListenerError(err, event);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * One source made of several: a listener hears every event of each, and the function returned
 * unsubscribes it from all of them. Null and undefined stand for a part that is not configured.
 */
export function mergeSources<E>(...sources: ReadonlyArray<EventSource<E> | null | undefined>): EventSource<E> {
  return {
    subscribe(listener) {
      const stops = sources.map((source) => source?.subscribe(listener));
      return () => stops.forEach((stop) => stop?.());
    },
  };
}

/** The events of `source`, each as `map` turns it (a calls-changed for each change of the IVR's calls). */
export function mapSource<A, B>(source: EventSource<A>, map: (event: A) => B): EventSource<B> {
  return { subscribe: (listener) => source.subscribe((event) => listener(map(event))) };
}

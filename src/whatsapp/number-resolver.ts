import { whatsappIdCandidates } from "./phone.js";
import { realTimers, type Timers } from "../shared/timers.js";

export interface NumberResolverOptions {
  /** Entries kept; the least recently used goes first. */
  maxEntries?: number;
  /** How long a found id is trusted. */
  foundTtlMs?: number;
  /** How long "no WhatsApp account" is trusted (short: people install WhatsApp). */
  missingTtlMs?: number;
  timers?: Timers;
}

/**
 * Finds a number's WhatsApp id by asking `check` about each candidate form (with the ninth digit,
 * then without: accounts older than the ninth digit kept the eight-digit id) and remembers the
 * answer in a small cache, so a code to the same person costs one lookup per day. `check` returns
 * the canonical id when the candidate exists, null when it does not, and throws when it cannot tell
 * (errors are not remembered). Concurrent lookups of one number share one query.
 */
export function createNumberResolver(
  check: (candidateId: string) => Promise<string | null>,
  options: NumberResolverOptions = {},
): (e164: string) => Promise<string | null> {
  const maxEntries = options.maxEntries ?? 1000;
  const foundTtl = options.foundTtlMs ?? 24 * 3600_000;
  const missingTtl = options.missingTtlMs ?? 10 * 60_000;
  const timers = options.timers ?? realTimers;
  const cache = new Map<string, { id: string | null; expires: number }>();
  const inFlight = new Map<string, Promise<string | null>>();

  async function lookup(e164: string): Promise<string | null> {
    for (const candidate of whatsappIdCandidates(e164)) {
      const id = await check(candidate);
      if (id !== null) return id;
    }
    return null;
  }

  return async (e164: string) => {
    const hit = cache.get(e164);
    if (hit && hit.expires > timers.now()) {
      cache.delete(e164); // re-insert: Map order is our recency order
      cache.set(e164, hit);
      return hit.id;
    }
    const pending = inFlight.get(e164);
    if (pending) return pending;
    const query = lookup(e164).then(
      (id) => {
        inFlight.delete(e164);
        cache.delete(e164);
        cache.set(e164, { id, expires: timers.now() + (id === null ? missingTtl : foundTtl) });
        while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
        return id;
      },
      (err: unknown) => {
        inFlight.delete(e164);
        throw err;
      },
    );
    inFlight.set(e164, query);
    return query;
  };
}

/**
 * How long a read kept for calls (the services, the announcements) answers again when no write
 * here changed it: a change through another process sharing the database (a second API node)
 * reaches calls within this. A write here clears it at once, as the heartbeat's fingerprint is
 * (SPOKEN_SENTENCES_MAX_AGE_MS).
 */
export const CATALOGUE_KEPT_MS = 5_000;

/**
 * One read kept for the reads of every call (issue 16: a table read once a call became one read
 * per CATALOGUE_KEPT_MS). Reads arriving together share one; a failed one is not kept; a write
 * here `forget`s it, so a read that may predate the write is not answered again.
 */
export class KeptRead<T> {
  #kept: { at: number; value: T } | null = null;

  /** The kept value when read within CATALOGUE_KEPT_MS (a clock gone back counts too) and `usable`; else null. */
  recent(usable: (value: T) => boolean = () => true): T | null {
    const kept = this.#kept;
    return kept && Math.abs(Date.now() - kept.at) < CATALOGUE_KEPT_MS && usable(kept.value) ? kept.value : null;
  }

  /** Keeps `value` (read now) until `read` fails, a write forgets it, or the time is up; returns it. */
  keep(value: T, read: Promise<unknown>): T {
    const entry = { at: Date.now(), value };
    this.#kept = entry;
    read.catch(() => {
      if (this.#kept === entry) this.#kept = null;
    });
    return value;
  }

  forget(): void {
    this.#kept = null;
  }
}

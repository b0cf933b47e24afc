import type { FastifyBaseLogger } from "fastify";
import { RateLimitedError, type Actor } from "../domain/index.js";
import { describeError } from "../shared/errors.js";
import { RateWindow } from "../shared/rate-window.js";
import type { ApiContext } from "./context.js";

const MINUTE = 60_000;

/** One client's lookups in one minute, written to the audit log as one row. */
interface Tally {
  client: string;
  address: string | null;
  from: number;
  lookups: number;
  found: number;
  missed: number;
  refused: number;
  /** Whether this minute's first refusal was logged: one warning per client and minute, not one per refusal. */
  warned: boolean;
}

/**
 * Limits and audits the identification routes (`/identify/code`, `/identify/caller`), which answer
 * with a person's name: per bearer token and per client address, at most IDENTIFY_MAX_PER_MINUTE
 * lookups and IDENTIFY_MAX_MISSES_PER_MINUTE that found nobody (what guessing codes or walking
 * extensions looks like) in a minute; past either, 429 until the minute ends. Every client's
 * lookups are audited in aggregate: one `identify.lookups` row per client and address per minute
 * (how many, found, not found, refused), not one per lookup.
 */
export class IdentifyLimits {
  private readonly lookups: RateWindow;
  private readonly misses: RateWindow;
  private readonly tallies = new Map<string, Tally>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ctx: ApiContext,
    private readonly log: FastifyBaseLogger,
  ) {
    this.lookups = new RateWindow(ctx.settings.IDENTIFY_MAX_PER_MINUTE, MINUTE);
    this.misses = new RateWindow(ctx.settings.IDENTIFY_MAX_MISSES_PER_MINUTE, MINUTE);
    this.timer = setInterval(() => void this.flush(false), MINUTE);
    this.timer.unref();
  }

  /** Before a lookup: counts it, or throws RateLimitedError (429, with when it ends) at a limit. */
  admit(actor: Actor): void {
    const now = this.ctx.clock().getTime();
    const tally = this.tally(actor, now);
    tally.lookups++;
    let until: Date | null = null;
    for (const key of keysOf(actor)) {
      for (const window of [this.lookups, this.misses]) {
        const ends = window.limitedUntil(key, now);
        if (ends && (!until || ends > until)) until = ends;
      }
    }
    if (until) {
      tally.refused++;
      if (!tally.warned) {
        tally.warned = true;
        this.log.warn({ client: tally.client, address: tally.address, until: until.toISOString() }, "identification rate limit reached");
      }
      throw new RateLimitedError(`too many identification lookups from this client: again at ${until.toISOString()}`, until);
    }
    for (const key of keysOf(actor)) this.lookups.add(key, now);
  }

  /** After a lookup: whether it found someone (lookups that find nobody have their own, lower limit). */
  result(actor: Actor, found: boolean): void {
    const now = this.ctx.clock().getTime();
    const tally = this.tally(actor, now);
    if (found) tally.found++;
    else {
      tally.missed++;
      for (const key of keysOf(actor)) this.misses.add(key, now);
    }
  }

  /** Writes the tallies of minutes that are over (all of them when closing). */
  async flush(all: boolean): Promise<void> {
    const now = this.ctx.clock();
    for (const [key, t] of this.tallies) {
      if (!all && now.getTime() - t.from < MINUTE) continue;
      this.tallies.delete(key);
      await this.write(t, now);
    }
  }

  /** Clients with a minute in progress: what this keeps per client (it leaves with its minute's audit row). */
  get clientsTracked(): number {
    return this.tallies.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  private tally(actor: Actor, now: number): Tally {
    const { client, address } = actor;
    const key = `${client}\u0000${address}`;
    const current = this.tallies.get(key);
    if (current && now - current.from < MINUTE) return current;
    if (current) {
      this.tallies.delete(key);
      void this.write(current, new Date(now));
    }
    const fresh: Tally = { client, address, from: now, lookups: 0, found: 0, missed: 0, refused: 0, warned: false };
    this.tallies.set(key, fresh);
    return fresh;
  }

  private async write(t: Tally, now: Date): Promise<void> {
    if (t.lookups === 0) return;
    try {
      await this.ctx.store.audit.write({ client: t.client, address: t.address }, now, {
        action: "identify.lookups",
        entity: "client",
        entityId: t.client,
        details: { from: new Date(t.from).toISOString(), lookups: t.lookups, found: t.found, notFound: t.missed, refused: t.refused },
      });
    } catch (err) {
      this.log.warn({ err: describeError(err) }, "could not write the identification audit row");
    }
  }
}

/** A lookup counts against its token and against its client address (none in process: `ura start`'s IVR). */
function keysOf(actor: Actor): string[] {
  return actor.address === null ? [`token:${actor.client}`] : [`token:${actor.client}`, `address:${actor.address}`];
}

import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db } from "./db.js";
import { maskPhone } from "../shared/privacy.js";
import { callId, parseInput, protocol } from "./rules.js";
import { formatLocal, fromDbTime, toDbTime } from "./time.js";

/**
 * Callback requests (issue 13): a caller who finds the technicians closed presses a key to be
 * called back. The request rides on the ticket the call opens (the technician needs to know what
 * it is about, and the ticket is what they work from), with the number the call came from.
 * `reason`: closed (out of hours); queue (a long queue) is reserved for when the IVR knows it.
 */
export const callbackRequestSchema = z.object({
  callId,
  ticketProtocol: protocol,
  /** The number to call: the caller id, as the PBX gave it (an internal extension or an outside number). */
  number: z
    .string()
    .trim()
    .regex(/^\+?[0-9]{3,20}$/, "digits, 3 to 20, an optional leading +"),
  reason: z.enum(["closed", "queue"]),
});
export type CallbackRequest = z.input<typeof callbackRequestSchema>;

/** What the technicians see on the ticket. */
export const callbackSchema = z.object({
  number: z.string(),
  reason: z.enum(["closed", "queue"]),
  requestedAt: z.string(),
  requestedAtLocal: z.string(),
});
export type Callback = z.infer<typeof callbackSchema>;

interface Row {
  ticket_protocol: string;
  number: string;
  reason: "closed" | "queue";
  requested_at: string | Date;
}

export class CallbackRepository {
  constructor(
    private readonly db: Db,
    private readonly timeZone: string,
  ) {}

  /** Records the request; a second one for the same call replaces the first (the IVR may retry). */
  async request(raw: CallbackRequest, actor: Actor, now: Date): Promise<{ created: boolean }> {
    const input = parseInput(callbackRequestSchema, raw);
    return this.db.transaction(async (tx) => {
      const values = [input.ticketProtocol, input.number, input.reason, toDbTime(now), input.callId];
      const updated = await tx.run("UPDATE callbacks SET ticket_protocol = ?, number = ?, reason = ?, requested_at = ? WHERE call_id = ?", values);
      if (updated.changes === 0) await tx.run("INSERT INTO callbacks (ticket_protocol, number, reason, requested_at, call_id) VALUES (?, ?, ?, ?, ?)", values);
      await writeAudit(tx, actor, now, {
        action: "callback.request",
        entity: "ticket",
        entityId: input.ticketProtocol,
        details: { callId: input.callId, number: maskPhone(input.number), reason: input.reason },
      });
      return { created: updated.changes === 0 };
    });
  }

  /** The newest request of each of these tickets. */
  async forTickets(protocols: readonly string[]): Promise<Map<string, Callback>> {
    const out = new Map<string, Callback>();
    if (protocols.length === 0) return out;
    const rows = await this.db.all<Row>(
      `SELECT ticket_protocol, number, reason, requested_at FROM callbacks WHERE ticket_protocol IN (${protocols.map(() => "?").join(", ")}) ORDER BY requested_at`,
      protocols,
    );
    for (const r of rows) {
      const at = fromDbTime(r.requested_at);
      out.set(r.ticket_protocol, { number: r.number, reason: r.reason, requestedAt: at.toISOString(), requestedAtLocal: formatLocal(at, this.timeZone) });
    }
    return out;
  }

  /** Callback requests on tickets still being worked on (open, in progress, waiting): the queue's count. */
  async pending(): Promise<number> {
    const row = await this.db.get<{ n: number | string }>(
      "SELECT COUNT(DISTINCT c.ticket_protocol) AS n FROM callbacks c JOIN tickets t ON t.protocol = c.ticket_protocol WHERE t.status IN ('open', 'in_progress', 'waiting')",
    );
    return Number(row?.n ?? 0);
  }
}

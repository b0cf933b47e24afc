import { z } from "zod";
import { maskPhone } from "../shared/privacy.js";
import { writeAudit, type Actor } from "./audit.js";
import { isUniqueViolation, type Db, type Queryable } from "./db.js";
import { DomainValidationError } from "./errors.js";
import { parseInput } from "./users.js";
import { fromDbTime, toDbTime } from "./time.js";

export const CALL_OUTCOMES = ["ticket", "status", "transfer", "abandoned", "error"] as const;

export const recordCallSchema = z.object({
  callId: z.string().min(1).max(64),
  callerNumber: z.string().max(64).nullable(),
  userCode: z.string().regex(/^[0-9]{1,12}$/).nullable(),
  outcome: z.enum(CALL_OUTCOMES),
  step: z.string().max(64).nullable(),
  ticketProtocol: z.string().regex(/^[0-9]{6,16}$/).nullable(),
  startedAt: z.string(),
  durationMs: z.number().int().min(0),
});
export type RecordCallInput = z.input<typeof recordCallSchema>;

export interface CallRecord {
  callId: string;
  callerNumber: string | null;
  userCode: string | null;
  outcome: (typeof CALL_OUTCOMES)[number];
  step: string | null;
  ticketProtocol: string | null;
  startedAt: string;
  durationMs: number;
}

/** Records (or updates: the IVR may report a call twice) one IVR call by its call id. */
export async function recordCall(db: Db, raw: z.input<typeof recordCallSchema>, actor: Actor, now: Date): Promise<{ created: boolean }> {
  const input = parseInput(recordCallSchema, raw);
  const started = new Date(input.startedAt);
  if (Number.isNaN(started.getTime())) throw new DomainValidationError("startedAt", "not an ISO-8601 instant");
  const write = () =>
    db.transaction(async (tx) => {
      const user = input.userCode ? await tx.get<{ id: number }>("SELECT id FROM users WHERE code = ?", [input.userCode]) : undefined;
      const values = [
        input.callerNumber,
        user ? Number(user.id) : null,
        input.outcome,
        input.step,
        input.ticketProtocol,
        toDbTime(started),
        input.durationMs,
        toDbTime(now),
      ];
      const existing = await tx.get<{ id: number }>("SELECT id FROM calls WHERE call_id = ?", [input.callId]);
      if (existing) {
        await tx.run(
          "UPDATE calls SET caller_number = ?, user_id = ?, outcome = ?, step = ?, ticket_protocol = ?, started_at = ?, duration_ms = ?, updated_at = ? WHERE id = ?",
          [...values, existing.id],
        );
      } else {
        await tx.run(
          "INSERT INTO calls (caller_number, user_id, outcome, step, ticket_protocol, started_at, duration_ms, updated_at, created_at, call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          [...values, toDbTime(now), input.callId],
        );
      }
      await writeAudit(tx, actor, now, {
        action: existing ? "call.update" : "call.record",
        entity: "call",
        entityId: input.callId,
        details: { caller: maskPhone(input.callerNumber), user: input.userCode, outcome: input.outcome, step: input.step, ticket: input.ticketProtocol },
      });
      return { created: !existing };
    });
  try {
    return await write();
  } catch (err) {
    // The same call reported twice at once: the second report becomes an update.
    if (isUniqueViolation(err)) return write();
    throw err;
  }
}

export async function getCall(q: Queryable, callId: string): Promise<CallRecord | null> {
  const row = await q.get<{
    call_id: string;
    caller_number: string | null;
    user_code: string | null;
    outcome: CallRecord["outcome"];
    step: string | null;
    ticket_protocol: string | null;
    started_at: string;
    duration_ms: number;
  }>("SELECT c.*, u.code AS user_code FROM calls c LEFT JOIN users u ON u.id = c.user_id WHERE c.call_id = ?", [callId]);
  if (!row) return null;
  return {
    callId: row.call_id,
    callerNumber: row.caller_number,
    userCode: row.user_code,
    outcome: row.outcome,
    step: row.step,
    ticketProtocol: row.ticket_protocol,
    startedAt: fromDbTime(row.started_at).toISOString(),
    durationMs: Number(row.duration_ms),
  };
}

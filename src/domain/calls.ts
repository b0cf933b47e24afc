import { z } from "zod";
import { maskPhone } from "../shared/privacy.js";
import { writeAudit, type Actor } from "./audit.js";
import { isUniqueViolation, type Db } from "./db.js";
import { DomainValidationError } from "./errors.js";
import { callId, parseInput, protocol, userCode } from "./rules.js";
import { fromDbTime, toDbTime } from "./time.js";

/** How a call ended; the dialplan reads the same word in URA_RESULT. */
export const CALL_OUTCOMES = ["ticket", "status", "transfer", "abandoned", "error"] as const;
export const callOutcome = z.enum(CALL_OUTCOMES);
export type CallOutcome = z.infer<typeof callOutcome>;

/** What the IVR reports about each call. */
export const recordCallSchema = z.object({
  callId,
  callerNumber: z.string().max(64).nullable(),
  userCode: userCode.nullable(),
  outcome: callOutcome,
  /** Where the call ended (the IVR step name), e.g. `otp`, `service-menu`. */
  step: z.string().max(64).nullable(),
  ticketProtocol: protocol.nullable(),
  startedAt: z.string(),
  durationMs: z.number().int().min(0),
});
export type RecordCallInput = z.input<typeof recordCallSchema>;

export interface CallRecord {
  callId: string;
  callerNumber: string | null;
  userCode: string | null;
  outcome: CallOutcome;
  step: string | null;
  ticketProtocol: string | null;
  startedAt: string;
  durationMs: number;
}

/** The IVR's record of each call (personal data: purged after RETENTION_CALL_DAYS). */
export class CallRepository {
  constructor(private readonly db: Db) {}

  /** Records (or updates: the IVR may report a call twice) one IVR call by its call id. */
  async record(raw: RecordCallInput, actor: Actor, now: Date): Promise<{ created: boolean }> {
    const input = parseInput(recordCallSchema, raw);
    const started = new Date(input.startedAt);
    if (Number.isNaN(started.getTime())) throw new DomainValidationError("startedAt", "not an ISO-8601 instant");
    const write = () =>
      this.db.transaction(async (tx) => {
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

  async get(id: string): Promise<CallRecord | null> {
    const row = await this.db.get<{
      call_id: string;
      caller_number: string | null;
      user_code: string | null;
      outcome: CallRecord["outcome"];
      step: string | null;
      ticket_protocol: string | null;
      started_at: string;
      duration_ms: number;
    }>("SELECT c.*, u.code AS user_code FROM calls c LEFT JOIN users u ON u.id = c.user_id WHERE c.call_id = ?", [id]);
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
}

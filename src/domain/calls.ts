import { z } from "zod";
import { maskPhone } from "../shared/privacy.js";
import { writeAudit, type Actor } from "./audit.js";
import { serviceInfo } from "./catalogue.js";
import { isUniqueViolation, type Db } from "./db.js";
import { callId, instant, parseInput, protocol, userCode } from "./rules.js";
import { fromDbTime, toDbTime } from "./time.js";

/** How a call ended; the dialplan reads the same word in URA_RESULT. */
export const CALL_OUTCOMES = ["ticket", "status", "transfer", "abandoned", "error"] as const;
export const callOutcome = z.enum(CALL_OUTCOMES);
export type CallOutcome = z.infer<typeof callOutcome>;

/**
 * How the caller proved who they are: their own registered extension (or a registered number
 * confirmed with "Você é …?" where a rule asks it) or their user code typed, each with or without
 * the one-time code (OTP_POLICY). Null: not identified.
 */
export const IDENTIFICATION_METHODS = ["caller-id", "caller-id+otp", "code", "code+otp"] as const;
export const identificationMethod = z.enum(IDENTIFICATION_METHODS);
export type IdentificationMethod = z.infer<typeof identificationMethod>;

/** What the IVR reports about each call. */
export const recordCallSchema = z.object({
  callId,
  callerNumber: z.string().max(64).nullable(),
  userCode: userCode.nullable(),
  /** Absent from IVRs older than the console: stored as not known. */
  identifiedBy: identificationMethod.nullable().optional(),
  outcome: callOutcome,
  /** Where the call ended (the IVR step name), e.g. `otp`, `service-menu`. */
  step: z.string().max(64).nullable(),
  ticketProtocol: protocol.nullable(),
  startedAt: instant,
  durationMs: z.number().int().min(0),
});
export type RecordCallInput = z.input<typeof recordCallSchema>;

/** The IVR hands a call to the technicians' queue (the screen-pop card's facts). */
export const recordTransferSchema = z.object({
  callId,
  callerNumber: z.string().max(64).nullable(),
  userCode: userCode.nullable(),
  identifiedBy: identificationMethod.nullable(),
  /** The catalogue option the caller chose before asking for a technician, if any. */
  serviceId: z.number().int().positive().nullable(),
});
export type RecordTransferInput = z.input<typeof recordTransferSchema>;

export interface TransferRecord {
  callId: string;
  callerNumber: string | null;
  /** null: not identified (or the user was deleted since). */
  user: { code: string; name: string; department: string | null } | null;
  identifiedBy: IdentificationMethod | null;
  service: { id: number; path: string } | null;
  at: string;
}

export interface CallRecord {
  callId: string;
  callerNumber: string | null;
  userCode: string | null;
  identifiedBy: IdentificationMethod | null;
  outcome: CallOutcome;
  step: string | null;
  ticketProtocol: string | null;
  startedAt: string;
  durationMs: number;
}

/** The IVR's record of each call (personal data: purged after RETENTION_CALL_DAYS). */
export class CallRepository {
  constructor(
    private readonly db: Db,
    /** Told of each recorded transfer, after the commit (the store publishes it to the console). */
    private readonly onTransfer: (transfer: TransferRecord) => void = () => undefined,
  ) {}

  /** Records (or updates: the IVR may report a call twice) one IVR call by its call id. */
  async record(raw: RecordCallInput, actor: Actor, now: Date): Promise<{ created: boolean }> {
    const input = parseInput(recordCallSchema, raw);
    const started = new Date(input.startedAt);
    // The user's id by a sub-select, and the insert tried first (a call is usually reported once):
    // two statements with the audit row instead of four (issue 16). A second report of the call
    // (or two at once: the unique call id refuses one insert) becomes the update.
    const userId = "(SELECT id FROM users WHERE code = ?)";
    const values = [
      input.callerNumber,
      input.userCode,
      input.identifiedBy ?? null,
      input.outcome,
      input.step,
      input.ticketProtocol,
      toDbTime(started),
      input.durationMs,
      toDbTime(now),
    ];
    return this.db.transaction(async (tx) => {
      let created = true;
      try {
        await tx.run(
          `INSERT INTO calls (caller_number, user_id, identified_by, outcome, step, ticket_protocol, started_at, duration_ms, updated_at, created_at, call_id) VALUES (?, ${userId}, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [...values, toDbTime(now), input.callId],
        );
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        created = false;
        await tx.run(
          `UPDATE calls SET caller_number = ?, user_id = ${userId}, identified_by = ?, outcome = ?, step = ?, ticket_protocol = ?, started_at = ?, duration_ms = ?, updated_at = ? WHERE call_id = ?`,
          [...values, input.callId],
        );
      }
      await writeAudit(tx, actor, now, {
        action: created ? "call.record" : "call.update",
        entity: "call",
        entityId: input.callId,
        details: { caller: maskPhone(input.callerNumber), user: input.userCode, outcome: input.outcome, step: input.step, ticket: input.ticketProtocol },
      });
      return { created };
    });
  }

  async get(id: string): Promise<CallRecord | null> {
    const row = await this.db.get<{
      call_id: string;
      caller_number: string | null;
      user_code: string | null;
      identified_by: IdentificationMethod | null;
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
      identifiedBy: row.identified_by ?? null,
      outcome: row.outcome,
      step: row.step,
      ticketProtocol: row.ticket_protocol,
      startedAt: fromDbTime(row.started_at).toISOString(),
      durationMs: Number(row.duration_ms),
    };
  }

  /** Records the IVR handing a call to the technicians' queue (again for the same call: the latest facts win). */
  async recordTransfer(raw: RecordTransferInput, actor: Actor, now: Date): Promise<TransferRecord> {
    const input = parseInput(recordTransferSchema, raw);
    const write = () =>
      this.db.transaction(async (tx) => {
        const user = input.userCode ? await tx.get<{ id: number }>("SELECT id FROM users WHERE code = ?", [input.userCode]) : undefined;
        const service = input.serviceId ? await tx.get<{ id: number }>("SELECT id FROM services WHERE id = ?", [input.serviceId]) : undefined;
        const values = [input.callerNumber, user ? Number(user.id) : null, input.identifiedBy, service ? Number(service.id) : null, toDbTime(now)];
        const existing = await tx.get<{ id: number }>("SELECT id FROM call_transfers WHERE call_id = ?", [input.callId]);
        if (existing) {
          await tx.run("UPDATE call_transfers SET caller_number = ?, user_id = ?, identified_by = ?, service_id = ?, at = ? WHERE id = ?", [...values, existing.id]);
        } else {
          await tx.run("INSERT INTO call_transfers (caller_number, user_id, identified_by, service_id, at, call_id) VALUES (?, ?, ?, ?, ?, ?)", [...values, input.callId]);
        }
        await writeAudit(tx, actor, now, {
          action: "call.transfer",
          entity: "call",
          entityId: input.callId,
          details: { caller: maskPhone(input.callerNumber), user: input.userCode, identifiedBy: input.identifiedBy, serviceId: input.serviceId },
        });
      });
    try {
      await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await write();
    }
    const transfer = (await this.transfer(input.callId))!;
    this.onTransfer(transfer);
    return transfer;
  }

  /** A transfer the IVR recorded, with who the caller is and the chosen service's path. */
  async transfer(id: string): Promise<TransferRecord | null> {
    const row = await this.db.get<{
      call_id: string;
      caller_number: string | null;
      identified_by: IdentificationMethod | null;
      service_id: number | null;
      at: string;
      user_code: string | null;
      user_name: string | null;
      user_department: string | null;
    }>(
      "SELECT x.call_id, x.caller_number, x.identified_by, x.service_id, x.at, u.code AS user_code, u.name AS user_name, u.department AS user_department FROM call_transfers x LEFT JOIN users u ON u.id = x.user_id WHERE x.call_id = ?",
      [id],
    );
    if (!row) return null;
    const service = row.service_id === null ? null : await serviceInfo(this.db, Number(row.service_id));
    return {
      callId: row.call_id,
      callerNumber: row.caller_number,
      user: row.user_code === null ? null : { code: row.user_code, name: row.user_name ?? "", department: row.user_department },
      identifiedBy: row.user_code === null ? null : row.identified_by,
      service: service ? { id: service.id, path: service.path } : null,
      at: fromDbTime(row.at).toISOString(),
    };
  }
}

import { writeAudit, type Actor } from "./audit.js";
import type { Db } from "./db.js";
import { toDbTime } from "./time.js";

export interface RetentionPolicy {
  callDays: number;
  auditDays: number;
  /** Code hashes are only needed for the hourly caps; a day is plenty. */
  otpDays?: number;
}

export interface PurgeReport {
  calls: number;
  audit: number;
  otpCodes: number;
  callsBefore: string;
  auditBefore: string;
}

/** Deletes call records and audit rows older than their retention (LGPD: kept no longer than needed). */
export async function purgeOld(db: Db, policy: RetentionPolicy, actor: Actor, now: Date): Promise<PurgeReport> {
  const day = 86_400_000;
  const callsBefore = new Date(now.getTime() - policy.callDays * day);
  const auditBefore = new Date(now.getTime() - policy.auditDays * day);
  const otpBefore = new Date(now.getTime() - (policy.otpDays ?? 1) * day);
  return db.transaction(async (tx) => {
    const calls = await tx.run("DELETE FROM calls WHERE started_at < ?", [toDbTime(callsBefore)]);
    // The screen-pop's record of a transfer is the same call's personal data.
    await tx.run("DELETE FROM call_transfers WHERE at < ?", [toDbTime(callsBefore)]);
    const audit = await tx.run("DELETE FROM audit_log WHERE at < ?", [toDbTime(auditBefore)]);
    const otp = await tx.run("DELETE FROM otp_codes WHERE created_at < ?", [toDbTime(otpBefore)]);
    // Survey answers name who answered: kept as long as the call records.
    await tx.run("DELETE FROM surveys WHERE created_at < ?", [toDbTime(callsBefore)]);
    await tx.run("DELETE FROM otp_failures WHERE failed_at < ?", [toDbTime(otpBefore)]);
    await tx.run("DELETE FROM otp_number_locks WHERE touched_at < ?", [toDbTime(otpBefore)]);
    const report = {
      calls: calls.changes,
      audit: audit.changes,
      otpCodes: otp.changes,
      callsBefore: callsBefore.toISOString(),
      auditBefore: auditBefore.toISOString(),
    };
    await writeAudit(tx, actor, now, { action: "purge", entity: "retention", details: report });
    return report;
  });
}

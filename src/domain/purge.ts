import { writeAudit, type Actor } from "./audit.js";
import { takingTurns } from "../shared/turns.js";
import type { Db } from "./db.js";
import { toDbTime } from "./time.js";
import { VOICE_DESCRIPTION_NAME } from "./voice-descriptions.js";

export interface RetentionPolicy {
  callDays: number;
  auditDays: number;
  /** Voice descriptions (the callers' voices, attached to tickets); default 90. */
  recordingDays?: number;
  /** Code hashes are only needed for the hourly caps; a day is plenty. */
  otpDays?: number;
}

export interface PurgeReport {
  calls: number;
  audit: number;
  otpCodes: number;
  /** Voice descriptions removed from their tickets (and from GLPI's local outbox). */
  voiceDescriptions: number;
  callsBefore: string;
  recordingsBefore: string;
  auditBefore: string;
}

/** Rows per DELETE: a few milliseconds of SQLite's time, after which a call's request may go first. */
const PURGE_CHUNK_ROWS = 1000;

/**
 * Deletes call records, audit rows and voice descriptions older than their retention (LGPD: kept no longer than needed).
 * Each table is emptied of its old rows in chunks, each its own statement, with a turn of the event
 * loop between them (issue 14 item 2): one DELETE of half a million rows held the synchronous
 * SQLite driver, and every call in the process, for seconds. A purge that stops half-way has
 * deleted only rows past their retention, and the next one finishes; the audit row comes last.
 */
export async function purgeOld(db: Db, policy: RetentionPolicy, actor: Actor, now: Date): Promise<PurgeReport> {
  const day = 86_400_000;
  const callsBefore = new Date(now.getTime() - policy.callDays * day);
  const auditBefore = new Date(now.getTime() - policy.auditDays * day);
  const otpBefore = new Date(now.getTime() - (policy.otpDays ?? 1) * day);
  const recordingsBefore = new Date(now.getTime() - (policy.recordingDays ?? 90) * day);
  const turn = takingTurns();
  /** `name`: only the rows with this name (the voice descriptions among a ticket's attachments). */
  const purge = async (table: string, column: string, before: Date, name?: string): Promise<number> => {
    const where = `${column} < ?${name === undefined ? "" : " AND name = ?"}`;
    // MariaDB takes LIMIT on a DELETE; SQLite (as better-sqlite3 builds it) does not, but has rowid.
    const sql =
      db.dialect === "mysql"
        ? `DELETE FROM ${table} WHERE ${where} LIMIT ${PURGE_CHUNK_ROWS}`
        : `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${where} LIMIT ${PURGE_CHUNK_ROWS})`;
    let deleted = 0;
    for (;;) {
      const { changes } = await db.run(sql, name === undefined ? [toDbTime(before)] : [toDbTime(before), name]);
      deleted += changes;
      if (changes < PURGE_CHUNK_ROWS) return deleted;
      await turn();
    }
  };
  const calls = await purge("calls", "started_at", callsBefore);
  // The screen-pop's record of a transfer is the same call's personal data.
  await purge("call_transfers", "at", callsBefore);
  const audit = await purge("audit_log", "at", auditBefore);
  const otpCodes = await purge("otp_codes", "created_at", otpBefore);
  // Survey answers name who answered: kept as long as the call records.
  await purge("surveys", "created_at", callsBefore);
  // A callback request holds the caller's number: kept as long as the call records.
  await purge("callbacks", "requested_at", callsBefore);
  await purge("otp_failures", "failed_at", otpBefore);
  // A caller's voice is personal data: the ticket stays, its recording goes (GLPI keeps its own Document).
  const voiceDescriptions =
    (await purge("ticket_attachments", "created_at", recordingsBefore, VOICE_DESCRIPTION_NAME)) +
    (await purge("glpi_attachments", "created_at", recordingsBefore, VOICE_DESCRIPTION_NAME));
  const report = {
    calls,
    audit,
    otpCodes,
    voiceDescriptions,
    callsBefore: callsBefore.toISOString(),
    auditBefore: auditBefore.toISOString(),
    recordingsBefore: recordingsBefore.toISOString(),
  };
  await db.transaction((tx) => writeAudit(tx, actor, now, { action: "purge", entity: "retention", details: report }));
  return report;
}

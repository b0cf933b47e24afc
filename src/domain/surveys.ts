import { z } from "zod";
import { isUniqueViolation, type Db } from "./db.js";
import { DomainValidationError } from "./errors.js";
import { callId, parseInput, protocol, userCode } from "./rules.js";
import { toDbTime } from "./time.js";

/** The satisfaction survey's answer: one key, 1 (bad) to 5 (very good), at the end of a ticket or status call. */
export const surveyAnswerSchema = z.object({
  callId,
  userCode: userCode.nullable(),
  ticketProtocol: protocol.nullable(),
  kind: z.enum(["ticket", "status"]),
  score: z.number().int().min(1).max(5),
});
export type SurveyAnswer = z.input<typeof surveyAnswerSchema>;

/** What the wallboard shows: the mean score (null without answers) and how many answered. */
export const surveySummarySchema = z.object({
  customerSatisfaction: z.number().nullable(),
  surveyCount: z.number().int(),
  from: z.string(),
  to: z.string(),
});
export type SurveySummary = z.infer<typeof surveySummarySchema>;

/** Survey answers (personal data: purged with the call records). */
export class SurveyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Stores a call's answer; a second answer for the same call replaces the first. One statement
   * and no transaction for the usual first answer (issue 16): the insert, and only when the call
   * already answered (its unique call id refuses the insert), the update.
   */
  async record(raw: SurveyAnswer, now: Date): Promise<{ created: boolean }> {
    const a = parseInput(surveyAnswerSchema, raw);
    try {
      await this.db.run("INSERT INTO surveys (call_id, user_code, ticket_protocol, kind, score, created_at) VALUES (?, ?, ?, ?, ?, ?)", [
        a.callId,
        a.userCode,
        a.ticketProtocol,
        a.kind,
        a.score,
        toDbTime(now),
      ]);
      return { created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    await this.db.run("UPDATE surveys SET score = ?, user_code = ?, ticket_protocol = ?, kind = ? WHERE call_id = ?", [
      a.score,
      a.userCode,
      a.ticketProtocol,
      a.kind,
      a.callId,
    ]);
    return { created: false };
  }

  /**
   * customerSatisfaction (the mean score, 1 to 5, one decimal) and surveyCount over [from, to):
   * the wallboard's KPIs (today, by default, is the caller's choice of window).
   */
  async summary(from: Date, to: Date): Promise<SurveySummary> {
    if (!(from < to)) throw new DomainValidationError("from", "must be before to");
    const row = await this.db.get<{ n: number | string; total: number | string | null }>(
      "SELECT COUNT(*) AS n, SUM(score) AS total FROM surveys WHERE created_at >= ? AND created_at < ?",
      [toDbTime(from), toDbTime(to)],
    );
    const n = Number(row?.n ?? 0);
    const total = Number(row?.total ?? 0);
    return { customerSatisfaction: n ? Math.round((total / n) * 10) / 10 : null, surveyCount: n, from: from.toISOString(), to: to.toISOString() };
  }

  /** Deletes answers older than `before` (LGPD, with the call records); returns how many. */
  async purge(before: Date): Promise<number> {
    return (await this.db.run("DELETE FROM surveys WHERE created_at < ?", [toDbTime(before)])).changes;
  }
}

import { z } from "zod";
import { writeAudit, type Actor } from "./audit.js";
import type { Db } from "./db.js";
import { DomainValidationError, NotFoundError } from "./errors.js";
import { callerKey } from "./phone.js";
import { parseInput } from "./rules.js";
import { fromDbTime, toDbTime } from "./time.js";

/**
 * How a caller proves who they are (docs/security.md, "Identification"):
 * - `extension`: the user's own internal extension identifies them, no one-time code. The PBX
 *   authenticated the phone (SIP registration), so the extension is as good as a login;
 * - `extension-otp`: the extension names the user, a one-time code proves it;
 * - `code-otp`: the extension identifies nobody (a shared phone): user code + one-time code.
 * A call from outside (a trunk) is always `code-otp`: its caller id is whatever the far end says.
 */
export const IDENTIFICATION_MODES = ["extension", "extension-otp", "code-otp"] as const;
export const identificationMode = z.enum(IDENTIFICATION_MODES);
export type IdentificationMode = z.infer<typeof identificationMode>;

/** Without a rule, an own internal extension needs no one-time code. */
export const DEFAULT_INTERNAL_MODE: IdentificationMode = "extension";

export const identificationScope = z.enum(["department", "extension"]);
export type IdentificationScope = z.infer<typeof identificationScope>;

export const identificationRuleInput = z.object({ mode: identificationMode });

/** The subject of a rule: a department's name as users carry it, or an extension's digits. */
export const identificationSubject = z.string().trim().min(1, "required").max(200);

export const identificationRuleSchema = z.object({
  scope: identificationScope,
  subject: z.string(),
  mode: identificationMode,
  updatedAt: z.string(),
  usersInScope: z
    .number()
    .int()
    .nonnegative()
    .describe(
      "How many users (active or not) now carry the department, or the extension, as the rule is matched. 0: the rule applies to no one yet (a typo, or users not imported yet); it is kept all the same",
    ),
});
export type IdentificationRule = z.infer<typeof identificationRuleSchema>;

interface RuleRow {
  scope: IdentificationScope;
  subject: string;
  mode: IdentificationMode;
  updated_at: string | Date;
}

/**
 * The users rule `r` can reach: a department's by `users.department = subject`, an extension's by
 * the users carrying it, the comparisons modeFor and byCaller make. In SQL, not against
 * UserRepository.departments() in JS: MariaDB's utf8mb4_unicode_ci makes "saude" match "Saúde",
 * which a JS comparison would wrongly call a department nobody is in.
 */
const USERS_IN_SCOPE = `CASE r.scope
  WHEN 'department' THEN (SELECT COUNT(*) FROM users u WHERE u.department = r.subject)
  ELSE (SELECT COUNT(DISTINCT p.user_id) FROM user_phones p WHERE p.number = r.subject) END`;
const RULE_COLUMNS = `r.scope, r.subject, r.mode, r.updated_at, ${USERS_IN_SCOPE} AS users_in_scope`;

const view = (r: RuleRow & { users_in_scope: number | string | bigint }): IdentificationRule => ({
  scope: r.scope,
  subject: r.subject,
  mode: r.mode,
  updatedAt: fromDbTime(r.updated_at).toISOString(),
  usersInScope: Number(r.users_in_scope),
});

/** An extension rule's subject is the extension as users' extensions are stored (callerKey). */
function normaliseSubject(scope: IdentificationScope, subject: string): string {
  const s = parseInput(identificationSubject, subject);
  if (scope === "department") return s;
  const key = /^[\d\s()+\-./]+$/.test(s) ? callerKey(s) : null;
  if (key === null) throw new DomainValidationError("subject", "an extension: its digits");
  return key;
}

/** The rules per department and per extension; writes are audited. */
export class IdentificationRules {
  constructor(private readonly db: Db) {}

  async list(): Promise<IdentificationRule[]> {
    const rows = await this.db.all<RuleRow & { users_in_scope: number }>(`SELECT ${RULE_COLUMNS} FROM identification_rules r ORDER BY r.scope, r.subject`);
    return rows.map(view);
  }

  /**
   * Adds or changes the rule of one department or extension. It is kept even when no user is in
   * its scope yet (`usersInScope` 0): a department may be set up before its users are imported.
   */
  async put(scope: IdentificationScope, subject: string, raw: unknown, actor: Actor, now: Date): Promise<{ rule: IdentificationRule; created: boolean }> {
    const key = normaliseSubject(scope, subject);
    const { mode } = parseInput(identificationRuleInput, raw);
    const at = toDbTime(now);
    return this.db.transaction(async (tx) => {
      const before = await tx.get<RuleRow>("SELECT scope, subject, mode, updated_at FROM identification_rules WHERE scope = ? AND subject = ?", [scope, key]);
      if (before) await tx.run("UPDATE identification_rules SET mode = ?, updated_at = ? WHERE scope = ? AND subject = ?", [mode, at, scope, key]);
      else await tx.run("INSERT INTO identification_rules (scope, subject, mode, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [scope, key, mode, at, at]);
      await writeAudit(tx, actor, now, {
        action: before ? "update" : "create",
        entity: "identification_rule",
        entityId: `${scope}:${key}`,
        details: before ? { mode: [before.mode, mode] } : { mode },
      });
      const saved = await tx.get<RuleRow & { users_in_scope: number }>(`SELECT ${RULE_COLUMNS} FROM identification_rules r WHERE r.scope = ? AND r.subject = ?`, [scope, key]);
      return { rule: view(saved!), created: !before };
    });
  }

  /** Removes a rule: the default holds again. NotFoundError when there was none. */
  async delete(scope: IdentificationScope, subject: string, actor: Actor, now: Date): Promise<void> {
    const key = normaliseSubject(scope, subject);
    await this.db.transaction(async (tx) => {
      const r = await tx.run("DELETE FROM identification_rules WHERE scope = ? AND subject = ?", [scope, key]);
      if (r.changes === 0) throw new NotFoundError("not_found", `no rule for ${scope} ${key}`);
      await writeAudit(tx, actor, now, { action: "delete", entity: "identification_rule", entityId: `${scope}:${key}` });
    });
  }

  /**
   * The mode for a call that identified a user by caller id. `internal`: the call comes from the
   * PBX's own registered extension with that number (the IVR checks the channel). Anything else
   * is a number the far end chose, so it is the user code and a one-time code.
   */
  async modeFor(call: { number: string; internal: boolean }, user: { department: string | null }): Promise<IdentificationMode> {
    if (!call.internal) return "code-otp";
    const extension = callerKey(call.number);
    const rows = await this.db.all<RuleRow>(
      "SELECT scope, subject, mode, updated_at FROM identification_rules WHERE (scope = 'extension' AND subject = ?) OR (scope = 'department' AND subject = ?)",
      [extension ?? "", user.department ?? ""],
    );
    const byExtension = rows.find((r) => r.scope === "extension");
    const byDepartment = rows.find((r) => r.scope === "department");
    return (byExtension ?? byDepartment)?.mode ?? DEFAULT_INTERNAL_MODE;
  }
}

import { IDENTIFICATION_MODES, identificationScope, type IdentificationRule } from "../../domain/index.js";
import { cliActor, UsageError, withStore, type CliCommand } from "../command.js";

const USAGE = `ura identification list
    The rules: what a call from a department's or an extension's own phone must do to identify
    (docs/security.md). Without one, an own internal extension needs nothing more ("extension").
ura identification set department|extension SUBJECT MODE
    MODE: ${IDENTIFICATION_MODES.join(", ")}. An extension's rule wins over its department's; a call
    from outside is always code + one-time code. A rule no user is in the scope of yet (a typo, or
    users not imported yet) is saved with a warning; list marks it "(no user yet)". E.g.
      ura identification set department Saúde extension-otp
      ura identification set extension 2001 code-otp
ura identification delete department|extension SUBJECT
    Back to the default. The same as /api/v1/admin/identification-rules; every change is audited.`;

/** What a rule no user is in the scope of gets said: it is kept, but it applies to no one yet. */
function nobodyYet(rule: IdentificationRule): string {
  const whom = rule.scope === "department" ? `no user is in department "${rule.subject}"` : `no user has extension ${rule.subject}`;
  return `warning: ${whom} yet: the rule applies once one is\n`;
}

/** `department` or `extension`, else a usage error naming what was given. */
function scopeOf(value: string | undefined): "department" | "extension" {
  const scope = identificationScope.safeParse(value);
  if (!scope.success) throw new UsageError(`the rule's scope is department or extension${value === undefined ? "" : ` (got "${value}")`}`);
  return scope.data;
}

export const command: CliCommand = {
  name: "identification",
  summary: "how calls from a department's or an extension's phones identify: list, set, delete",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === "list") {
      if (rest.length > 0) throw new UsageError("list takes no arguments");
      return withStore(ctx, "identification list", async (store) => {
        const rules = await store.identification.list();
        if (rules.length === 0) ctx.stdout.write("no rules: own internal extensions need nothing more, outside calls code + one-time code\n");
        for (const r of rules) ctx.stdout.write(`${r.scope.padEnd(10)}  ${r.subject.padEnd(20)}  ${r.mode}${r.usersInScope === 0 ? "  (no user yet)" : ""}\n`);
        return 0;
      });
    }
    if (sub === "set") {
      const [scopeArg, subject, mode, ...extra] = rest;
      const scope = scopeOf(scopeArg);
      if (subject === undefined || mode === undefined || extra.length > 0) throw new UsageError(`give the SUBJECT and the MODE: ura identification set ${scope} SUBJECT MODE`);
      return withStore(
        ctx,
        "identification set",
        async (store) => {
          const { rule, created } = await store.identification.put(scope, subject, { mode }, cliActor(), new Date());
          ctx.stdout.write(`${created ? "rule added" : "rule changed"}: ${rule.scope} ${rule.subject} → ${rule.mode}\n`);
          if (rule.usersInScope === 0) ctx.stdout.write(nobodyYet(rule));
          return 0;
        },
        { field: (field) => (field === "mode" ? `MODE (${IDENTIFICATION_MODES.join(", ")})` : field === "subject" ? "SUBJECT" : field) },
      );
    }
    if (sub === "delete") {
      const [scopeArg, subject, ...extra] = rest;
      const scope = scopeOf(scopeArg);
      if (subject === undefined || extra.length > 0) throw new UsageError(`give the SUBJECT: ura identification delete ${scope} SUBJECT`);
      return withStore(ctx, "identification delete", async (store) => {
        await store.identification.delete(scope, subject, cliActor(), new Date());
        ctx.stdout.write(`rule deleted: ${scope} ${subject} (the default applies)\n`);
        return 0;
      }, { field: (field) => (field === "subject" ? "SUBJECT" : field) });
    }
    throw new UsageError(sub === undefined ? "which one: list, set or delete?" : `unknown sub-command "${sub}"`);
  },
};

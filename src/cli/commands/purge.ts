import { userInfo } from "node:os";
import { openStore } from "../../domain/index.js";
import type { CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "purge",
  summary: "delete call records and audit rows past their retention (LGPD)",
  usage: `ura purge

Deletes call records older than RETENTION_CALL_DAYS (default 180), audit rows older than
RETENTION_AUDIT_DAYS (default 365) and one-time code hashes older than a day. Run it daily, e.g.
from cron or a systemd timer. The purge itself is written to the audit log.`,
  async run(_args, ctx) {
    const store = await openStore(ctx.settings);
    try {
      const r = await store.purge({ client: `cli:${userInfo().username}`, address: null }, new Date());
      ctx.stdout.write(
        `deleted ${r.calls} call record(s) started before ${r.callsBefore}, ${r.audit} audit row(s) before ${r.auditBefore}, ${r.otpCodes} old code hash(es)\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};

import { purgeRecordingFiles } from "../../app/recordings.js";
import { cliActor, withStore, type CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "purge",
  summary: "delete call records, audit rows and recordings past their retention (LGPD)",
  usage: `ura purge

Deletes call records older than RETENTION_CALL_DAYS (default 180), audit rows older than
RETENTION_AUDIT_DAYS (default 365) and one-time code hashes older than a day; voice descriptions
(ticket attachments) and the recordings of transferred calls in TRANSFER_RECORDINGS_DIR older than
RETENTION_RECORDING_DAYS (default 90); voice descriptions an IVR left in VOICE_DIR for over a day.
Run it daily, e.g. from cron or a systemd timer, on the host that sees those directories. The
purge itself is written to the audit log.`,
  async run(_args, ctx) {
    return withStore(ctx, "purge", async (store) => {
      const now = new Date();
      const r = await store.purge(cliActor(), now);
      const files = purgeRecordingFiles(ctx.settings, now);
      ctx.stdout.write(
        `deleted ${r.calls} call record(s) started before ${r.callsBefore}, ${r.audit} audit row(s) before ${r.auditBefore}, ${r.otpCodes} old code hash(es)\n` +
          `deleted ${r.voiceDescriptions} voice description(s) and ${files.transferRecordings} recording(s) of transferred calls from before ${r.recordingsBefore}, ${files.voiceLeftovers} unsent voice file(s)\n`,
      );
      return 0;
    });
  },
};

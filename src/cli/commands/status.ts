import { fetchStatus } from "../../api-client/index.js";
import { ivrTokenFor } from "../../api/index.js";
import type { PartStatus } from "../../domain/index.js";
import { describeError } from "../../shared/errors.js";
import type { CliCommand } from "../command.js";

export const command: CliCommand = {
  name: "status",
  summary: "print every part of the system (IVR nodes, API, WhatsApp, TTS, database…): ONLINE or OFFLINE",
  usage: `ura status [--json]

Asks the ticket API at API_URL (GET /api/v1/status, with API_TOKEN, or the ivr token of this host's
API_TOKENS / DATA_DIR/api-tokens.local) for the table of parts and prints it: each part reports a
heartbeat every 10 s, and one silent for 30 s is OFFLINE. Runs from any host that can reach the API.
Exit code 0 when every part is ONLINE, 1 when one is OFFLINE, 2 when the API does not answer.`,
  async run(args, ctx) {
    const json = args.includes("--json");
    const token = ctx.settings.API_TOKEN !== "" ? ctx.settings.API_TOKEN : (ivrTokenFor(ctx.settings) ?? "");
    let table;
    try {
      table = await fetchStatus({ baseUrl: ctx.settings.API_URL, token, timeoutMs: 5000 });
    } catch (err) {
      ctx.stderr.write(`ura status: the API at ${ctx.settings.API_URL} did not answer: ${describeError(err)}\n`);
      return 2;
    }
    if (json) ctx.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
    else ctx.stdout.write(formatStatus(table.parts, new Date(table.now)));
    return table.parts.some((p) => p.liveness === "OFFLINE") ? 1 : 0;
  },
};

/** The table as a terminal shows it: one line per part, aligned. */
export function formatStatus(parts: PartStatus[], now: Date): string {
  if (parts.length === 0) return "no part has reported yet (each sends a heartbeat every 10 s)\n";
  const ago = (iso: string) => `${Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000))} s ago`;
  const rows = [
    ["PART", "KIND", "STATUS", "SINCE", "LAST HEARTBEAT", "HOST", "VERSION", "STATE"],
    ...parts.map((p) => [p.name, p.kind, p.liveness, p.since.replace("T", " ").slice(0, 19), ago(p.lastSeenAt), p.host, p.version, p.state]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n") + "\n";
}

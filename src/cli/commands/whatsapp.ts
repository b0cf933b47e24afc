import { httpHeartbeats, startHeartbeats, whatsappProbes } from "../../app/heartbeats.js";
import { ivrTokenFor } from "../../api/index.js";
import { nodeName } from "../../config/index.js";
import { startProcessMetrics } from "../../shared/metrics.js";
import { createRequire } from "node:module";
import { runUntilSignal } from "../../app/lifecycle.js";
import { SenderRejectedError, SenderUnavailableError } from "../../domain/index.js";
import { createSender, startWhatsappService, whatsappServiceUrl } from "../../whatsapp/index.js";
import { HttpRequestError, requestJson, type JsonResponse } from "../../shared/http-client.js";
import { UsageError, type CliCommand, type CliContext } from "../command.js";

export const command: CliCommand = {
  name: "whatsapp",
  summary: "run the WhatsApp sender service (venom-bot), see its status and QR, send a test message",
  usage: `ura whatsapp                     run the service: links the municipality's number (QR code in this
                                 terminal and at /api/auth/qr), then delivers one-time codes
ura whatsapp status              ask the running service (WHATSAPP_URL) whether WhatsApp is linked
                                 and connected; exit 0 when connected, 1 otherwise
ura whatsapp qr                  draw the current QR code from the running service in this terminal
ura whatsapp send PHONE TEXT…    send TEXT to PHONE through the configured SENDER_DRIVER

The service listens on WHATSAPP_HOST:WHATSAPP_PORT (default 127.0.0.1:8090) and drives Debian's
Chromium (CHROMIUM_PATH, default /usr/bin/chromium: apt-get install chromium). Session data lives in
WHATSAPP_SESSION_DIR (default DATA_DIR/whatsapp-session): a restart needs no new QR. See
docs/whatsapp.md.`,
  async run(args, ctx) {
    const [sub = "start", ...rest] = args;
    switch (sub) {
      case "start":
        return serve(ctx);
      case "status":
        return status(ctx);
      case "qr":
        return qr(ctx);
      case "send":
        return send(rest, ctx);
      default:
        throw new UsageError(`unknown sub-command "${sub}"`);
    }
  },
};

async function serve(ctx: CliContext): Promise<number> {
  if (!venomInstalled()) {
    ctx.stderr.write(
      "ura whatsapp: venom-bot is not installed. It is an optional dependency, left out where only the IVR and the API run " +
        "(the ura image: npm prune --omit=optional). On the WhatsApp sender's host install it with `npm install --include=optional`; see docs/whatsapp.md.\n",
    );
    return 1;
  }
  startProcessMetrics(nodeName(ctx.settings));
  const service = await startWhatsappService(ctx.settings, { logger: ctx.logger, terminal: ctx.stdout });
  // Heartbeats (the service, and the session while connected) to the API at API_URL, with an ivr token.
  const token = ivrTokenFor(ctx.settings);
  const heartbeats = token
    ? startHeartbeats({ probes: whatsappProbes(service.client), send: httpHeartbeats(ctx.settings, token), logger: ctx.logger })
    : null;
  if (!token) ctx.logger.warn("API_TOKEN is empty and no api-tokens.local here: no heartbeats, so ura status shows the WhatsApp service OFFLINE");
  return runUntilSignal(ctx.logger, async () => {
    heartbeats?.stop();
    await service.close();
    ctx.logger.info("whatsapp service stopped");
  });
}

async function getFromService(ctx: CliContext, path: string): Promise<JsonResponse | null> {
  const url = whatsappServiceUrl(ctx.settings.WHATSAPP_URL, path).toString();
  try {
    return await requestJson(url, { timeoutMs: ctx.settings.SENDER_TIMEOUT_MS });
  } catch (err) {
    const code = err instanceof HttpRequestError ? err.code : undefined;
    ctx.stderr.write(`ura whatsapp: the service at ${ctx.settings.WHATSAPP_URL} does not answer${code ? ` (${code})` : ""}; is \`ura whatsapp\` running?\n`);
    return null;
  }
}

const ok = (response: JsonResponse) => response.status >= 200 && response.status < 300;

async function status(ctx: CliContext): Promise<number> {
  const response = await getFromService(ctx, "/api/auth/status");
  if (!response) return 1;
  if (!ok(response)) {
    ctx.stderr.write(`ura whatsapp: ${response.status} ${response.text}\n`);
    return 1;
  }
  const s = response.body as {
    linked: boolean;
    connected: boolean;
    state: string;
    detail: string | null;
    since: string;
    queue: { queued: number; delivered: number; dropped: number; max: number };
  };
  ctx.stdout.write(
    [
      `state:     ${s.state}${s.detail ? ` — ${s.detail}` : ""} (since ${s.since})`,
      `linked:    ${s.linked ? "yes" : "no"}`,
      `connected: ${s.connected ? "yes" : "no"}`,
      `queue:     ${s.queue.queued} waiting (max ${s.queue.max}), ${s.queue.delivered} delivered, ${s.queue.dropped} dropped`,
      s.state === "qr" ? "link it: ura whatsapp qr (or open /api/auth/qr in a browser)" : "",
    ]
      .filter((line) => line !== "")
      .join("\n") + "\n",
  );
  return s.connected ? 0 : 1;
}

async function qr(ctx: CliContext): Promise<number> {
  const response = await getFromService(ctx, "/api/auth/qr?format=text");
  if (!response) return 1;
  if (!ok(response)) {
    const body = (response.body ?? {}) as { message?: string };
    ctx.stderr.write(`ura whatsapp: ${body.message ?? `HTTP ${response.status}`}\n`);
    return 1;
  }
  ctx.stdout.write(`On the municipality's phone: WhatsApp → Linked devices → Link a device, and scan:\n${response.text}\n`);
  return 0;
}

async function send(args: string[], ctx: CliContext): Promise<number> {
  const [phone, ...words] = args;
  if (phone === undefined || words.length === 0) throw new UsageError("send needs a phone number and a text");
  const sender = createSender(ctx.settings);
  try {
    const { id } = await sender.send({ phone, text: words.join(" ") });
    ctx.stdout.write(`accepted by the ${sender.driver} sender: ${id}\n`);
    return 0;
  } catch (err) {
    if (err instanceof SenderRejectedError || err instanceof SenderUnavailableError) {
      ctx.stderr.write(`ura whatsapp: ${err.name === "SenderRejectedError" ? `refused (${(err as SenderRejectedError).reason})` : "unavailable"}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    sender.close?.();
  }
}

/** venom-bot (with puppeteer and sharp) is an optional dependency: only the sender's host has it. */
function venomInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("venom-bot");
    return true;
  } catch {
    return false;
  }
}

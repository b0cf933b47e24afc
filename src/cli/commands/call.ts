import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, isAbsolute } from "node:path";
import { soundsDir } from "../../config/index.js";
import { audioDirs, readCachedText, readPromptTexts } from "../../tts/index.js";
import { outboxPath } from "../../whatsapp/index.js";
import { placeCall, type Caller, type CallerAction, type PromptEvent } from "../../emulator/index.js";
import { UsageError, type CliCommand, type CliContext } from "../command.js";

const USAGE = `ura call [--caller-id N] [--outside | --channel NAME] [--script PATH] [--id ID] [--var NAME=VALUE]… [--queue Q] [--host H] [--port P] [--keys K1,K2,…]

Places a simulated call against a running IVR (ura start / ura ivr), playing Asterisk's side of
FastAGI. Prints what the caller would hear (prompt id and its sentence; for synthesised audio, the
text it says, from the TTS cache of this host) and reads the keys you
press: type digits then Enter; Enter alone is silence; "h" hangs up. One-time codes sent by the
log sender (SENDER_DRIVER=log) are shown as they arrive in the outbox, and typing "c" sends the
newest code followed by # (as if read from WhatsApp).

  --caller-id N   calling number (default: unknown, so the IVR asks for a user code). The call
                  comes from that extension's own phone (channel PJSIP/N-…): a user whose
                  extension it is hears "Olá, <nome>." and no code is asked (docs/security.md)
  --outside       the call comes through a trunk (channel PJSIP/trunk-…) whatever --caller-id
                  says: user code and one-time code, as for any outside number
  --channel NAME  the channel Asterisk names (agi_channel), e.g. SIP/2001-0000000a
  --script PATH   AGI script path with query (default: ura)
  --id ID         the call id (Asterisk's UNIQUEID, default: made up and printed at the end).
                  With --var, a later step of the same call, as the dialplan chains step scripts
  --var NAME=VALUE  a channel variable the dialplan set before this AGI (repeatable), e.g. the
                  URA_USER and URA_AUTH that ura/identify printed, to walk what URA_AFTER_IDENTIFY
                  and URA_RETURN lead to: --script "ura?greeting=no" --id <its id> --var …
  --queue Q       the technicians' queue the dialplan names (URA_QUEUE; default 400, as the
                  shipped ura-settings): with AMI the IVR asks Asterisk how long it is
  --keys LIST     answer prompts from this comma-separated list instead of the keyboard
                  ("" = silence, "c" = the newest one-time code from the outbox, then #)

At the tone of the voice description (RECORD FILE) the answer is what the caller says: "v5" talks
for 5 s then presses #, "v5s" talks for 5 s then stays silent, "v5h" talks then hangs up, Enter is
silence, "h" hangs up. The emulator writes that audio (a voice-like tone) where Asterisk would, and
the IVR attaches it to the ticket. Skipping the description is a key at its prompt ("1").`;

export const command: CliCommand = {
  name: "call",
  summary: "place a simulated call against the running IVR, in the terminal",
  usage: USAGE,
  async run(args, ctx) {
    const opts = parseOptions(args);
    const uniqueId = opts.id ?? `${Math.floor(Date.now() / 1000)}.${process.pid}`;
    const texts = readPromptTexts(soundsDir(ctx.settings));
    const outbox = outboxPath(ctx.settings);
    const caller = new TerminalCaller(ctx, texts, outbox, opts.keys, audioDirs(ctx.settings).tts);
    const result = await placeCall({
      host: opts.host ?? (ctx.settings.AGI_HOST === "0.0.0.0" ? "127.0.0.1" : ctx.settings.AGI_HOST),
      port: opts.port ?? ctx.settings.AGI_PORT,
      script: opts.script ?? "ura",
      callerId: opts.callerId,
      channel: opts.channel ?? (opts.outside || !opts.callerId ? "PJSIP/trunk-00000001" : `PJSIP/${opts.callerId}-00000001`),
      uniqueId,
      // What the shipped dialplan's ura-settings sets before the AGI starts, and what earlier steps left.
      variables: { URA_QUEUE: opts.queue ?? "400", ...opts.vars },
      caller,
      deadChannelTimeoutMs: 3000,
    });
    caller.close();
    const vars = Object.entries(result.variables)
      .filter(([k]) => k.startsWith("URA_"))
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    ctx.stdout.write(`\n— call ended (${result.agiStatus}) ${vars}\n  call id ${uniqueId}\n`);
    return 0;
  },
};

interface CallOptionsCli {
  callerId?: string;
  outside?: boolean;
  channel?: string;
  script?: string;
  queue?: string;
  host?: string;
  port?: number;
  keys?: string[];
  id?: string;
  vars?: Record<string, string>;
}

function parseOptions(args: string[]): CallOptionsCli {
  const out: CallOptionsCli = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === "--outside") {
      out.outside = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    i++;
    if (flag === "--caller-id") out.callerId = value;
    else if (flag === "--script") out.script = value;
    else if (flag === "--channel") out.channel = value;
    else if (flag === "--queue") out.queue = value;
    else if (flag === "--host") out.host = value;
    else if (flag === "--port") {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port: "${value}" is not a port`);
      out.port = port;
    } else if (flag === "--keys") out.keys = value.split(",");
    else if (flag === "--id") {
      // What Asterisk's UNIQUEID looks like: the IVR signs step state with it and names files by it.
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) throw new UsageError(`--id: "${value}" is not a call id like 1718000000.42`);
      out.id = value;
    } else if (flag === "--var") {
      const eq = value.indexOf("=");
      const name = value.slice(0, eq);
      if (eq < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--var: "${value}" is not NAME=VALUE`);
      out.vars = { ...out.vars, [name]: value.slice(eq + 1) };
    }
    else throw new UsageError(`unknown option ${flag}`);
  }
  return out;
}

class TerminalCaller implements Caller {
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string | null) => void)[] = [];
  private readonly rl;
  private inputEnded = false;
  private readonly seen = new Set<string>();
  private readonly since = Date.now();
  private latestCode: string | null = null;

  constructor(
    private readonly ctx: CliContext,
    private readonly texts: Map<string, string>,
    private readonly outbox: string,
    private readonly scripted: string[] | undefined,
    private readonly ttsDir: string,
  ) {
    this.rl = scripted ? null : createInterface({ input: ctx.stdin, terminal: false });
    this.rl?.on("line", (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    this.rl?.on("close", () => {
      this.inputEnded = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
  }

  close(): void {
    this.rl?.close();
  }

  async react(event: PromptEvent): Promise<CallerAction> {
    if (event.command === "RECORD FILE") return this.talk(event);
    this.ctx.stdout.write(`♪ ${await this.describe(event)}\n`);
    // Prompts that only allow barge-in play through; keys are asked for where the IVR waits for them.
    const acceptsKeys = event.command === "GET DATA" || event.command === "WAIT FOR DIGIT";
    if (!acceptsKeys) return { kind: "listen" };
    this.showOutbox();
    const line = await this.nextLine();
    if (line === null) return { kind: "hangup" };
    const typed = line.trim().toLowerCase();
    if (typed === "h") return { kind: "hangup" };
    if (typed === "c") {
      this.showOutbox();
      if (this.latestCode === null) this.ctx.stdout.write("  (no one-time code in the outbox yet)\n");
      else this.ctx.stdout.write(`  → ${this.latestCode}#\n`);
      return this.latestCode === null ? { kind: "listen" } : { kind: "press", keys: `${this.latestCode}#`, atMs: 1_000_000 };
    }
    const keys = line.replace(/[^0-9*#]/g, "");
    // Keys typed at the prompt arrive after it has played (no barge-in from the terminal).
    return keys === "" ? { kind: "listen" } : { kind: "press", keys, atMs: 1_000_000 };
  }

  /** At the tone: what the caller says, as "v<seconds>[s|h]" (see the usage). */
  private async talk(event: PromptEvent): Promise<CallerAction> {
    this.ctx.stdout.write(`● gravando ${event.prompt.replace(/^record:/, "")} (# encerra)\n`);
    const line = await this.nextLine("fala (v5 = 5 s e #, v5s = 5 s e silêncio, Enter = silêncio, h = desligar)");
    if (line === null) return { kind: "hangup" };
    const typed = line.trim().toLowerCase();
    if (typed === "h") return { kind: "hangup" };
    const m = /^v(\d+(?:\.\d+)?)([sh#]?)$/.exec(typed);
    if (!m) return { kind: "listen" };
    const then = m[2] === "s" ? "silence" : m[2] === "h" ? "hangup" : "#";
    return { kind: "speak", ms: Math.round(Number(m[1]) * 1000), then };
  }

  /** `id: sentence` for a prompt; `tts <hash>: text` for synthesised audio (the cache's sidecar). */
  private async describe(event: PromptEvent): Promise<string> {
    if (event.file.startsWith("digits:")) return `${event.prompt}: ${event.file.slice(7).split("").join(" ")}`;
    // `<dir>/<name>` (AUDIO_MODE=path) or `<base>/<kind>/<name>.sln` (http): the name is a prompt id or a TTS hash.
    const name = event.prompt.replace(/\.sln$/, "");
    const prompt = this.texts.get(name);
    if (prompt !== undefined) return `${name}: ${prompt}`;
    const hash = name;
    if (!/^[0-9a-f]{64}$/.test(hash)) return `${name}: (áudio)`;
    const dirs = [this.ttsDir, ...(isAbsolute(event.file) ? [dirname(event.file)] : [])];
    for (const dir of dirs) {
      const text = await readCachedText(dir, hash).catch(() => null);
      if (text !== null) return `tts ${hash.slice(0, 8)}: ${text}`;
    }
    return `tts ${hash.slice(0, 8)}: (áudio sintetizado)`;
  }

  private async nextLine(ask = "teclas (Enter = silêncio, h = desligar)"): Promise<string | null> {
    if (this.scripted) {
      const next = this.scripted.shift();
      this.ctx.stdout.write(`  ${ask.split(" ")[0]}> ${next ?? "(desliga)"}\n`);
      return next ?? null;
    }
    this.ctx.stdout.write(`  ${ask}> `);
    const queued = this.lines.shift();
    if (queued !== undefined) return queued;
    if (this.inputEnded) return null;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private showOutbox(): void {
    let text: string;
    try {
      text = readFileSync(this.outbox, "utf8");
    } catch {
      return;
    }
    for (const line of text.trim().split("\n").slice(-5)) {
      if (!line || this.seen.has(line)) continue;
      this.seen.add(line);
      try {
        const entry = JSON.parse(line) as { at: string; text: string };
        if (Date.parse(entry.at) < this.since) continue;
        this.ctx.stdout.write(`  [WhatsApp simulado] ${entry.text}\n`);
        this.latestCode = /\b(\d{4,8})\b/.exec(entry.text)?.[1] ?? this.latestCode;
      } catch {
        continue;
      }
    }
  }
}

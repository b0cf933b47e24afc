import { AmiArgumentError, AmiProtocolError } from "./errors.js";

/**
 * The Asterisk Manager Interface wire format (main/manager.c): after a one-line banner
 * ("Asterisk Call Manager/7.0.3"), each message is "Key: Value" lines ended by CRLF, and a blank
 * line ends the message. Reading and writing it happen here and nowhere else.
 */

/** One AMI message (a response or an event). Keys as Asterisk spells them; a repeated key keeps its first value. */
export type AmiMessage = Readonly<Record<string, string>>;

const BANNER = /^Asterisk Call Manager\/(\S+)$/;
/** Beyond this a peer is not sending AMI messages (Asterisk's own events are a few KB at most). */
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Turns a byte stream into the banner and then messages. Chunks may split a line or hold many
 * messages; a bare LF is accepted too (some proxies strip CR).
 */
export class AmiParser {
  private buffer = "";
  private banner: string | null = null;
  private fields: Array<[string, string]> = [];
  private size = 0;

  constructor(
    private readonly onBanner: (version: string) => void,
    private readonly onMessage: (message: AmiMessage) => void,
  ) {}

  /** Feeds bytes; throws AmiProtocolError when the peer is not an AMI server. */
  push(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, "");
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
    if (this.buffer.length + this.size > MAX_MESSAGE_BYTES) throw new AmiProtocolError(`a message longer than ${MAX_MESSAGE_BYTES} bytes`);
  }

  private line(line: string): void {
    if (this.banner === null) {
      const match = BANNER.exec(line.trim());
      if (!match) throw new AmiProtocolError(`not an Asterisk manager port (first line ${JSON.stringify(line.slice(0, 60))})`);
      this.banner = match[1]!;
      this.onBanner(this.banner);
      return;
    }
    if (line === "") {
      if (this.fields.length > 0) this.flush();
      return;
    }
    this.size += line.length;
    const colon = line.indexOf(":");
    // A line without a colon is command output (Action: Command on old Asterisk); keep it as text.
    if (colon <= 0) this.fields.push(["Output", line]);
    else this.fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }

  private flush(): void {
    const message: Record<string, string> = {};
    for (const [key, value] of this.fields) if (!(key in message)) message[key] = value;
    this.fields = [];
    this.size = 0;
    this.onMessage(message);
  }
}

/** The text of one action: "Action: Name", the fields in order, a blank line. */
export function formatAction(action: string, fields: Record<string, string> = {}): string {
  const lines = [`Action: ${checked("Action", action)}`];
  for (const [key, value] of Object.entries(fields)) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) throw new AmiArgumentError(`bad AMI header name ${JSON.stringify(key)}`);
    lines.push(`${key}: ${checked(key, value)}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function checked(key: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new AmiArgumentError(`${key}: CR, LF or NUL would end the AMI line early`);
  return value;
}

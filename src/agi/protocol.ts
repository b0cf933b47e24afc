import { createHash, randomUUID } from "node:crypto";
import { callId } from "../domain/index.js";
import { AgiArgumentError } from "./errors.js";
import type { AgiRequest } from "./channel.js";

/** Asterisk reads at most this many bytes per command line (res_agi.c AGI_BUF_LEN). */
export const MAX_COMMAND_BYTES = 8191;

/**
 * Quotes one argument so Asterisk's parse_args reads it back as exactly one token with the same
 * text: backslash and double quote are escaped, and CR/LF/NUL are refused because parse_args
 * cannot encode them (a raw newline would end the command and run the rest as a new one).
 * The only place in the code base that builds argument text.
 */
export function escapeAndQuote(value: string): string {
  // Nearly every argument (a prompt's path, a key list, a timeout) has nothing to escape: one test.
  if (!/[\\"\r\n\0]/.test(value)) return `"${value}"`;
  if (/[\r\n\0]/.test(value)) {
    throw new AgiArgumentError("AGI arguments cannot contain line breaks or NUL characters");
  }
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Builds a command line from a verb and already-safe parts; checks the 8191-byte limit. */
export function buildCommand(verb: string, parts: readonly string[] = []): string {
  let line = verb;
  for (const part of parts) line += ` ${part}`;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short line needs no byte count (every command).
  if (line.length * 3 > MAX_COMMAND_BYTES && Buffer.byteLength(line) > MAX_COMMAND_BYTES) {
    throw new AgiArgumentError(`AGI command over ${MAX_COMMAND_BYTES} bytes`);
  }
  return line;
}

/** Names that are safe unquoted: channel variables, dialplan functions, application names. */
export function checkName(kind: string, name: string): string {
  if (!/^[A-Za-z_][\w.-]*(\([\w.,-]*\))?$/.test(name)) {
    throw new AgiArgumentError(`invalid ${kind} name "${name}"`);
  }
  return name;
}

export interface AgiReply {
  code: number;
  /** The raw result token (`-1`, `0`, `49`, `1234`, or empty for GET DATA with only `#`). */
  result: string;
  /** Text between the first `(` and the last `)`, e.g. `timeout` or a variable's value. */
  data: string | null;
  endpos: number | null;
  /** Anything else after the result, e.g. "Gosub complete". */
  extra: string;
}

/** Parses a `200 result=…` line. Returns null for anything that is not a result line. */
export function parseResultLine(line: string): AgiReply | null {
  return parseUsualResult(line) ?? parseAnyResult(line);
}

/** The general parse, for any result line (the usual ones take parseUsualResult's shortcut; a fuzz test holds the two together). */
export function parseAnyResult(line: string): AgiReply | null {
  const head = /^(\d{3}) result=(\S*)/.exec(line);
  if (!head) return null;
  let rest = line.slice(head[0].length);
  let data: string | null = null;
  let endpos: number | null = null;
  const open = rest.indexOf("(");
  if (open !== -1 && rest.slice(0, open).trim() === "") {
    const close = rest.lastIndexOf(")");
    if (close > open) {
      data = rest.slice(open + 1, close);
      rest = rest.slice(close + 1);
    }
  }
  const end = /\s*endpos=(\d+)/.exec(rest);
  if (end) {
    endpos = Number(end[1]);
    rest = rest.slice(0, end.index) + rest.slice(end.index + end[0].length);
  }
  return { code: Number(head[1]), result: head[2] ?? "", data, endpos, extra: rest.trim() };
}

const RESULT_AT = "200 result=".length;
const ENDPOS = " endpos=";

/**
 * Nearly every reply is `200 result=<token>`, alone or followed by ` endpos=<digits>`: read here
 * without regular expressions (a command's reply is on every command's path, issue 16). Null for
 * anything else, which parseResultLine reads in full, to the same result.
 */
function parseUsualResult(line: string): AgiReply | null {
  if (!line.startsWith("200 result=")) return null;
  let end = RESULT_AT;
  // The token is printable ASCII up to a space or the end; a tab or a non-ASCII character goes the long way.
  for (let c = line.charCodeAt(end); end < line.length && c > 32 && c < 127; c = line.charCodeAt(++end));
  if (end === line.length) return { code: 200, result: line.slice(RESULT_AT), data: null, endpos: null, extra: "" };
  if (!line.startsWith(ENDPOS, end)) return null;
  const digits = end + ENDPOS.length;
  if (digits === line.length) return null;
  for (let i = digits; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return { code: 200, result: line.slice(RESULT_AT, end), data: null, endpos: Number(line.slice(digits)), extra: "" };
}

/** Splits one `agi_name: value` line at the first colon; values keep their own colons. */
export function parseEnvLine(line: string): [string, string] | null {
  const colon = line.indexOf(":");
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim();
  if (!/^agi_\w+$/.test(name)) return null;
  // Asterisk writes "name: value"; drop exactly that one separating space.
  const raw = line.slice(colon + 1);
  return [name, raw.startsWith(" ") ? raw.slice(1) : raw];
}

/** Turns the `agi_*` block into a typed request. */
export function buildRequest(env: Record<string, string>): AgiRequest {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) variables[name.slice(4)] = value;

  const scriptWithQuery = env.agi_network_script ?? scriptFromUrl(env.agi_request ?? "");
  const q = scriptWithQuery.indexOf("?");
  const path = (q === -1 ? scriptWithQuery : scriptWithQuery.slice(0, q)).replace(/^\/+|\/+$/g, "");
  const params: Record<string, string> = {};
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(scriptWithQuery.slice(q + 1))) params[k] = v;
  }
  const args: string[] = [];
  for (let i = 1; env[`agi_arg_${i}`] !== undefined; i++) args.push(env[`agi_arg_${i}`]!);

  const known = (v: string | undefined) => (v === undefined || v === "" || v === "unknown" ? null : v);
  return {
    script: path,
    params,
    args,
    uniqueId: callIdFor(env.agi_uniqueid ?? ""),
    callerId: callerNumber(env.agi_callerid),
    callerIdName: known(env.agi_calleridname),
    channel: env.agi_channel ?? "",
    endpoint: channelEndpoint(env.agi_channel ?? ""),
    context: env.agi_context ?? "",
    extension: env.agi_extension ?? "",
    language: env.agi_language ?? "",
    variables,
  };
}

/** `PJSIP/1001-0000002a` → PJSIP, 1001 (the part before the last `-` is the endpoint); null otherwise. */
export function channelEndpoint(channel: string): { tech: string; name: string } | null {
  const m = /^([A-Za-z0-9]+)\/([^/;@]+)-[0-9a-fA-F]+$/.exec(channel);
  return m ? { tech: m[1]!, name: m[2]! } : null;
}

/** Marks ids made here. An id from Asterisk that starts with it is replaced too, so the two never meet. */
const DERIVED_PREFIX = "ura:";

/**
 * The call's id as the rest of the system uses it (API requests, call records, tickets, logs).
 * Asterisk's uniqueid (`1718000000.42`, or `host-1718000000.42`) is kept as it is. Anything else —
 * a quote, a space, over 64 characters — becomes `ura:` + 32 hex digits of its SHA-256: stable, so
 * the step scripts of one call agree, and 128 bits, so two different ids do not collide. An empty
 * uniqueid names no call, so each connection gets a random one: two such calls must never share a
 * ticket.
 */
export function callIdFor(uniqueId: string): string {
  // Used as it comes when it is what the API's callId takes (the domain's rule: letters, digits, `_ . - :`, 1 to 64).
  if (callId.safeParse(uniqueId).success && !uniqueId.startsWith(DERIVED_PREFIX)) return uniqueId;
  const source = uniqueId === "" ? `random\0${randomUUID()}` : `uniqueid\0${uniqueId}`;
  return DERIVED_PREFIX + createHash("sha256").update(source).digest("hex").slice(0, 32);
}

/**
 * E.164 has at most 15 digits; a Brazilian number dialled with carrier and area code has 14. A
 * caller id with more digits identifies no one, and cutting it could make it someone else's.
 */
export const MAX_CALLER_DIGITS = 20;

/**
 * The caller's number as the flow uses it (caller lookup, one-time code caps, call records): the
 * first number in agi_callerid — digits and the separators people write (space ( ) . - /), a
 * leading `+` kept — as digits. A trunk may append more (`4530251234 <sip:4530251234@host>`,
 * `5545999991234;tgrp=x`): that is not part of the number. Null when Asterisk said `unknown`, when
 * there is no number (`anonymous`), or one of more than MAX_CALLER_DIGITS digits. The original stays
 * in `variables.callerid`.
 */
export function callerNumber(callerId: string | undefined): string | null {
  const number = /\+?[0-9][0-9 ()./-]*/.exec(callerId ?? "")?.[0];
  if (number === undefined) return null;
  const digits = number.replace(/[^0-9]/g, "");
  if (digits.length > MAX_CALLER_DIGITS) return null;
  return (number.startsWith("+") ? "+" : "") + digits;
}

/** `agi://host:4573/ura/status?x=1` → `ura/status?x=1` (what agi_network_script would hold). */
function scriptFromUrl(url: string): string {
  const m = /^h?agi:\/\/[^/]*\/?(.*)$/.exec(url);
  return m?.[1] ?? "";
}

/** ASCII code in a STREAM FILE/WAIT FOR DIGIT result → the key, or null for 0/-1. */
export function keyFromResult(result: string): string | null {
  const n = Number(result);
  if (!Number.isInteger(n) || n <= 0) return null;
  return String.fromCharCode(n);
}

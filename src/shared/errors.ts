/**
 * One line of text for an error, for logs and operators: "Name: message", plus the network code of
 * its cause (ECONNREFUSED…) when it has one. No stack. Some libraries reject with strings or plain
 * objects (venom-bot's WAPI results); those give their text, message or error field.
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const head = err.name && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message;
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    return firstLine(typeof code === "string" && !head.includes(code) ? `${head} (${code})` : head);
  }
  if (typeof err === "string") return firstLine(err);
  if (err && typeof err === "object") {
    const v = err as Record<string, unknown>;
    const text = v.text ?? v.message ?? v.error;
    if (typeof text === "string") return firstLine(text);
    try {
      return JSON.stringify(err);
    } catch {
      return String(err);
    }
  }
  return String(err);
}

function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return end === -1 ? text : text.slice(0, end);
}

/**
 * An error made without a stack trace, for the ones that end every call (a hang-up, the flow's
 * own end): where they were made says nothing, and capturing it cost five times the rest of the
 * error (issue 16).
 */
export class StacklessError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

import { TtsUnavailableError } from "./types.js";

/**
 * Runs `work` with a signal that aborts after `timeoutMs` or when `outer` aborts, and settles no
 * later than that even if `work` ignores its signal (a stuck socket, a child that never exits).
 * Every failure comes out as TtsUnavailableError with the original error as its cause, which is
 * what the call flow catches to fall back.
 */
export async function runWithin<T>(
  what: string,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(controller.signal.reason);
  });
  controller.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new TtsTimeoutError(`${what} took longer than ${timeoutMs} ms`)),
    timeoutMs,
  );
  const forward = () => controller.abort(outer?.reason ?? new Error("aborted"));
  if (outer?.aborted) forward();
  else outer?.addEventListener("abort", forward, { once: true });
  try {
    return await Promise.race([work(controller.signal), aborted]);
  } catch (err) {
    if (err instanceof TtsUnavailableError) throw err;
    throw new TtsUnavailableError(`${what} failed: ${describe(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", forward);
    controller.signal.removeEventListener("abort", onAbort);
  }
}

/** The cause of a TtsUnavailableError when the engine did not answer within TTS_TIMEOUT_MS. */
export class TtsTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TtsTimeoutError";
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

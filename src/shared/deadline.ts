import type { Timers } from "./timers.js";

/** The work did not settle within its time limit. Each caller maps it to its own error. */
export class DeadlineExceededError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = "DeadlineExceededError";
  }
}

export interface DeadlineOptions {
  /** Also stop when this aborts (the caller hung up, the request was cancelled). */
  signal?: AbortSignal;
  /**
   * Count the time on these timers instead of AbortSignal.timeout, so a test can step time
   * (vitest's fake timers do not reach AbortSignal.timeout).
   */
  timers?: Timers;
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs` or when `options.signal` aborts, and
 * settles no later than that even if `work` ignores its signal (a stuck socket, a child that never
 * exits, a venom call that cannot be cancelled).
 *
 * Rejects with DeadlineExceededError when the time ran out; with the outer signal's reason when
 * that aborted first (work is not started if it already had); otherwise as `work` settles. Which
 * signal aborted decides, not which promise lost the race: work that fails because the deadline
 * aborted it still rejects with DeadlineExceededError.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  options: DeadlineOptions = {},
): Promise<T> {
  const outer = options.signal;
  if (outer?.aborted) throw outer.reason;
  const deadline = deadlineSignal(timeoutMs, options.timers);
  const signal = outer ? AbortSignal.any([deadline.signal, outer]) : deadline.signal;
  // Listen on the sources themselves: a listener keeps a timeout signal alive until it fires.
  let stopListening = () => {};
  const stopped = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason);
    deadline.signal.addEventListener("abort", onAbort, { once: true });
    outer?.addEventListener("abort", onAbort, { once: true });
    stopListening = () => {
      deadline.signal.removeEventListener("abort", onAbort);
      outer?.removeEventListener("abort", onAbort);
    };
  });
  stopped.catch(() => undefined);
  try {
    const running = work(signal);
    // Whichever loses the race must not become an unhandled rejection.
    running.catch(() => undefined);
    return await Promise.race([running, stopped]);
  } catch (err) {
    if (outer?.aborted && signal.reason === outer.reason) throw outer.reason;
    if (deadline.signal.aborted) throw new DeadlineExceededError(timeoutMs);
    throw err;
  } finally {
    deadline.clear();
    stopListening();
  }
}

function deadlineSignal(timeoutMs: number, timers: Timers | undefined): { signal: AbortSignal; clear: () => void } {
  if (!timers) return { signal: AbortSignal.timeout(timeoutMs), clear: () => {} };
  const controller = new AbortController();
  const handle = timers.setTimeout(() => controller.abort(new DeadlineExceededError(timeoutMs)), timeoutMs);
  return { signal: controller.signal, clear: () => timers.clearTimeout(handle) };
}

import { dependencyFailed, observeDependency, type Dependency } from "./metrics.js";
import { realTimers, type Timers } from "./timers.js";

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
  /** Count the time on these timers (tests step them; vitest's fake timers do not reach every timer). Default: real, unref'd. */
  timers?: Timers;
  /**
   * The work is a request to this dependency: its time goes to ura_dependency_seconds, and a
   * deadline or a failure to ura_dependency_errors_total (an outer abort, the caller leaving, is neither).
   */
  dependency?: Dependency;
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
 *
 * One AbortController, one timer cleared when the work settles, one listener on the outer signal:
 * a call runs this a dozen times, and AbortSignal.timeout + AbortSignal.any cost twice the CPU
 * (transferable and composite signals, and a timeout that still fires after the work is done).
 */
export async function withDeadline<T>(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  options: DeadlineOptions = {},
): Promise<T> {
  const outer = options.signal;
  if (outer?.aborted) throw outer.reason;
  const timers = options.timers ?? realTimers;
  const controller = new AbortController();
  let stoppedBy: "deadline" | "outer" | null = null;
  let stop!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined);
  const abort = (by: "deadline" | "outer", reason: unknown) => {
    if (stoppedBy !== null) return;
    stoppedBy = by;
    controller.abort(reason);
    stop(reason);
  };
  const timer = timers.setTimeout(() => abort("deadline", new DeadlineExceededError(timeoutMs)), timeoutMs);
  const onOuterAbort = () => abort("outer", outer!.reason);
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const dependency = options.dependency;
  const started = dependency ? timers.now() : 0;
  try {
    const running = work(controller.signal);
    // Whichever loses the race must not become an unhandled rejection.
    running.catch(() => undefined);
    return await Promise.race([running, stopped]);
  } catch (err) {
    if (stoppedBy === "outer") throw outer!.reason;
    if (stoppedBy === "deadline") {
      if (dependency) dependencyFailed(dependency, "timeout");
      throw new DeadlineExceededError(timeoutMs);
    }
    if (dependency) dependencyFailed(dependency, "failed");
    throw err;
  } finally {
    timers.clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
    if (dependency) observeDependency(dependency, timers.now() - started);
  }
}

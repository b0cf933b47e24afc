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
 * What `work` is given. Pass it on as a request's options (`{ signal }`): it is one, spread too.
 */
export interface DeadlineScope {
  /**
   * Aborts when the time runs out or the outer signal aborts, while the work runs; never after it
   * has settled. Made on first read: work that never reads it (an in-process operation that cannot
   * be stopped, a promise already running) costs no AbortSignal, which was most of what this
   * helper cost (Node 20: ~5 µs and garbage each; docs/performance.md, issue 16, session 23).
   */
  readonly signal: AbortSignal;
}

/** One run of withDeadline: what stopped it, and the work's signal, made on first read. */
class Step implements DeadlineScope {
  declare readonly signal: AbortSignal;
  #stoppedBy: "deadline" | "outer" | null = null;
  #reason: unknown;
  #controller: AbortController | undefined;
  #stop: ((reason: unknown) => void) | undefined;

  /**
   * An own property, so spreading the scope into other options ({ ...opts, headers }) keeps it;
   * one getter for every Step, as a getter made per object (a closure, an object literal's `get`)
   * costs V8 a new hidden class each time (~5 µs, more than the AbortSignal saved).
   */
  static readonly #signal: PropertyDescriptor = {
    enumerable: true,
    get(this: Step): AbortSignal {
      if (this.#controller === undefined) {
        this.#controller = new AbortController();
        if (this.#stoppedBy !== null) this.#controller.abort(this.#reason);
      }
      return this.#controller.signal;
    },
  };

  constructor() {
    Object.defineProperty(this, "signal", Step.#signal);
  }

  /** What stopped the run, if anything did: which signal aborted decides, not which promise lost the race. */
  get stoppedBy(): "deadline" | "outer" | null {
    return this.#stoppedBy;
  }

  /** Settles the run with `reason` (once); `work` keeps running, told by its signal if it read it. */
  onStop(stop: (reason: unknown) => void): void {
    this.#stop = stop;
  }

  abort(by: "deadline" | "outer", reason: unknown): void {
    if (this.#stoppedBy !== null) return;
    this.#stoppedBy = by;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#stop?.(reason);
  }
}

/**
 * Runs `work` with a signal (`scope.signal`) that aborts after `timeoutMs` or when
 * `options.signal` aborts, and settles no later than that even if `work` ignores its signal (a
 * stuck socket, a child that never exits, a venom call that cannot be cancelled).
 *
 * Rejects with DeadlineExceededError when the time ran out; with the outer signal's reason when
 * that aborted first (work is not started if it already had); otherwise as `work` settles. Which
 * signal aborted decides, not which promise lost the race: work that fails because the deadline
 * aborted it still rejects with DeadlineExceededError.
 *
 * One timer cleared when the work settles, one listener on the outer signal, and an
 * AbortController only if the work reads its signal: a call runs this a dozen times, and
 * AbortSignal.timeout + AbortSignal.any cost twice the CPU (transferable and composite signals,
 * and a timeout that still fires after the work is done).
 */
export async function withDeadline<T>(
  timeoutMs: number,
  work: (scope: DeadlineScope) => Promise<T>,
  options: DeadlineOptions = {},
): Promise<T> {
  const outer = options.signal;
  if (outer?.aborted) throw outer.reason;
  const timers = options.timers ?? realTimers;
  const step = new Step();
  // A function, not the Step as an EventListener object: Node wraps an object in an async closure.
  const onOuterAbort = () => step.abort("outer", outer!.reason);
  const dependency = options.dependency;
  const started = dependency ? timers.now() : 0;
  let timer: unknown;
  try {
    return await new Promise<T>((resolve, reject) => {
      step.onStop(reject);
      timer = timers.setTimeout(() => step.abort("deadline", new DeadlineExceededError(timeoutMs)), timeoutMs);
      outer?.addEventListener("abort", onOuterAbort, { once: true });
      work(step).then(resolve, reject);
    });
  } catch (err) {
    if (step.stoppedBy === "outer") throw outer!.reason;
    if (step.stoppedBy === "deadline") {
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

/** Time for timeouts and retries, injected where tests need not wait (the WhatsApp queue and session). */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Rejects with `message` when `promise` has not settled within `ms`; the promise is left to run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string, timers: Timers = realTimers): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const handle = timers.setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        timers.clearTimeout(handle);
        resolve(value);
      },
      (err: unknown) => {
        timers.clearTimeout(handle);
        reject(err instanceof Error ? err : new Error(describeRejection(err)));
      },
    );
  });
}

/** Some libraries (venom) reject with plain objects and strings; turn them into a readable line. */
export function describeRejection(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    const text = v.text ?? v.message ?? v.error;
    if (typeof text === "string") return text;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

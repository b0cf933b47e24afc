import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { DeadlineExceededError, withDeadline, type DeadlineScope } from "../../src/shared/deadline.js";
import type { Timers } from "../../src/shared/timers.js";
import { SteppedTimers } from "../support/stepped-timers.js";

/** withDeadline on stepped timers: what the caller gets back, and what the work is told. */

const never = () => new Promise<never>(() => undefined);

describe("withDeadline", () => {
  it("gives the work's answer when it comes in time", async () => {
    const clock = new SteppedTimers();
    await expect(withDeadline(1000, async () => "audio", { timers: clock })).resolves.toBe("audio");
  });

  it("settles at the deadline even when the work ignores its signal", async () => {
    const clock = new SteppedTimers();
    let settled: unknown = "pending";
    void withDeadline(1000, never, { timers: clock }).catch((err: unknown) => (settled = err));
    await clock.advance(999);
    expect(settled).toBe("pending");
    await clock.advance(1);
    expect(settled).toBeInstanceOf(DeadlineExceededError);
    expect((settled as DeadlineExceededError).timeoutMs).toBe(1000);
  });

  it("aborts the work's signal at the deadline, and reports the deadline, not the work's abort error", async () => {
    const clock = new SteppedTimers();
    let seen: AbortSignal | undefined;
    const work = ({ signal }: DeadlineScope) =>
      new Promise<never>((_, reject) => {
        seen = signal;
        signal.addEventListener("abort", () => reject(new Error("socket closed")));
      });
    const result = withDeadline(500, work, { timers: clock }).catch((err: unknown) => err);
    await clock.advance(500);
    expect(seen!.aborted).toBe(true);
    expect(await result).toBeInstanceOf(DeadlineExceededError);
  });

  it("stops when the outer signal aborts, with its reason, and aborts the work's signal", async () => {
    const clock = new SteppedTimers();
    const hangup = new AbortController();
    let seen: AbortSignal | undefined;
    const result = withDeadline(
      10_000,
      ({ signal }) => {
        seen = signal;
        return never();
      },
      { signal: hangup.signal, timers: clock },
    ).catch((err: unknown) => err);
    const reason = new Error("caller hung up");
    hangup.abort(reason);
    expect(await result).toBe(reason);
    expect(seen!.aborted).toBe(true);
  });

  it("does not start the work when the outer signal has already aborted", async () => {
    const hangup = new AbortController();
    hangup.abort(new Error("gone"));
    let started = false;
    const err = await withDeadline(1000, async () => (started = true), { signal: hangup.signal }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("gone");
    expect(started).toBe(false);
  });

  it("passes the work's own failure through", async () => {
    const failure = new Error("espeak-ng exited with code 1");
    await expect(withDeadline(1000, async () => Promise.reject(failure), { timers: new SteppedTimers() })).rejects.toBe(failure);
  });

  it("once the work has answered, its signal never aborts and the outer signal keeps no listener", async () => {
    const clock = new SteppedTimers();
    const hangup = new AbortController();
    let seen: AbortSignal | undefined;
    await withDeadline(1000, async ({ signal }) => ((seen = signal), "done"), { signal: hangup.signal, timers: clock });
    await clock.advance(5000);
    expect(seen!.aborted).toBe(false);
    expect(getEventListeners(hangup.signal, "abort")).toHaveLength(0);
  });

  it("without injected timers, runs on real time", async () => {
    const err = await withDeadline(20, never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
  });

  it("settles with the outer signal's reason even when the work never reads its signal", async () => {
    const hangup = new AbortController();
    const result = withDeadline(10_000, never, { signal: hangup.signal, timers: new SteppedTimers() }).catch((err: unknown) => err);
    const reason = new Error("caller hung up");
    hangup.abort(reason);
    expect(await result).toBe(reason);
  });

  it("work that reads its signal only after the deadline, or after the outer signal, finds it aborted with that reason", async () => {
    const clock = new SteppedTimers();
    let scope: DeadlineScope | undefined;
    const late = withDeadline(500, (s) => ((scope = s), never()), { timers: clock }).catch(() => undefined);
    await clock.advance(500);
    await late;
    expect(scope!.signal.aborted).toBe(true);
    expect(scope!.signal.reason).toBeInstanceOf(DeadlineExceededError);

    const hangup = new AbortController();
    const gone = withDeadline(500, (s) => ((scope = s), never()), { signal: hangup.signal, timers: clock }).catch(() => undefined);
    const reason = new Error("caller hung up");
    hangup.abort(reason);
    await gone;
    expect(scope!.signal.reason).toBe(reason);
  });

  it("passed on as options and spread into others ({ ...request, headers }), still carries the signal that aborts", async () => {
    const clock = new SteppedTimers();
    let seen: AbortSignal | undefined;
    const send = (options: { signal?: AbortSignal; headers: Record<string, string> }) => ((seen = options.signal), never());
    let copied: string[] = [];
    const result = withDeadline(500, (request) => ((copied = Object.keys({ ...request })), send({ ...request, headers: { accept: "application/json" } })), {
      timers: clock,
    }).catch((e: unknown) => e);
    await clock.advance(500);
    expect(await result).toBeInstanceOf(DeadlineExceededError);
    expect(seen!.aborted).toBe(true);
    expect(copied).toEqual(["signal"]);
  });

  it("leaves no timer and no listener behind, whether the work answers, fails or runs out of time", async () => {
    const clock = new SteppedTimers();
    const live = new Set<unknown>();
    const counted: Timers = {
      now: clock.now,
      setTimeout: (fn, ms) => {
        const handle = clock.setTimeout(() => (live.delete(handle), fn()), ms);
        live.add(handle);
        return handle;
      },
      clearTimeout: (handle) => (live.delete(handle), clock.clearTimeout(handle)),
    };
    const hangup = new AbortController();
    const options = { signal: hangup.signal, timers: counted };
    await withDeadline(1000, async () => "done", options);
    await withDeadline(1000, async ({ signal }) => signal.aborted, options);
    await withDeadline(1000, async () => Promise.reject(new Error("refused")), options).catch(() => undefined);
    expect(live.size).toBe(0);
    expect(getEventListeners(hangup.signal, "abort")).toHaveLength(0);
    const slow = withDeadline(1000, never, options).catch(() => undefined);
    expect(live.size).toBe(1);
    await clock.advance(1000);
    await slow;
    expect(live.size).toBe(0);
    expect(getEventListeners(hangup.signal, "abort")).toHaveLength(0);
  });
});

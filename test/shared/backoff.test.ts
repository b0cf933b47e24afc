import { describe, expect, it } from "vitest";
import { Backoff } from "../../src/shared/backoff.js";

describe("Backoff", () => {
  it("doubles each delay up to the maximum, and starts over after a reset", () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 5000 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([1000, 2000, 4000, 5000]);
    expect(backoff.upcomingMs).toBe(5000);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });
});

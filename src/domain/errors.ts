/** One class per cause; the API maps each to its status code and error name. */

/** A value failed a rule; `field` names it (the API answers 400 `validation`). */
export class DomainValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "DomainValidationError";
  }
}

/** The thing asked for does not exist (or must look as if it did not). */
export class NotFoundError extends Error {
  constructor(
    readonly code: "unknown_user" | "not_found" | "unknown_service" | "unknown_holiday",
    message: string,
  ) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The request conflicts with the current state (duplicate code, invalid status change, …). */
export class ConflictError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}

/** Whole seconds from `now` until a limit ends (at least 1): what `Retry-After` says; `until` is the one truth. */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

/**
 * Whose limit on one-time codes was reached: the calling number's (codes asked from it, for any
 * user), or the user's (their codes, or their mobile's, shared with whoever has the same one; for
 * a cool-down, codes asked without a calling number). The hourly cap and the cool-down say it alike.
 */
export const codeLimitScopes = ["caller", "user"] as const;
export type CodeLimitScope = (typeof codeLimitScopes)[number];

/** Too many one-time codes (or identification lookups, or refused sign-ins) for this user, number or client: try again at `until`. */
export class RateLimitedError extends Error {
  constructor(
    message: string,
    readonly until: Date,
    /** One-time codes only: whose cap was reached. Absent for the other limits. */
    readonly scope?: CodeLimitScope,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

/**
 * Too many wrong one-time codes from this calling number (or, without one, for this user): no codes
 * for it until `until`, when the cool-down ends by itself (an admin's otp-reset ends it sooner).
 */
export class LockedError extends Error {
  constructor(
    message = "too many wrong codes from this number: wait for the cool-down to end",
    readonly until: Date | null = null,
    /** Whose cool-down: the calling number's, or (no calling number) the user's codes. */
    readonly scope: CodeLimitScope = "caller",
  ) {
    super(message);
    this.name = "LockedError";
  }
}

/** The user has no registered mobile to send a code to. */
export class NoPhoneError extends Error {
  constructor(message = "the user has no registered mobile phone") {
    super(message);
    this.name = "NoPhoneError";
  }
}

/**
 * The client's deadline passed before the work could be committed, so nothing was: the client had
 * stopped waiting and would not have told its caller the result (issue 14 item 5).
 */
export class DeadlinePassedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeadlinePassedError";
  }
}

/** Throws DeadlinePassedError when `notAfter` (epoch ms on this host's clock) has passed: called just before a commit. */
export function checkNotAfter(notAfter: number | undefined, what: string): void {
  if (notAfter !== undefined && Date.now() > notAfter) {
    throw new DeadlinePassedError(`${what}: the client's deadline passed ${Date.now() - notAfter} ms ago, nothing was committed`);
  }
}

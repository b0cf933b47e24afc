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

/** Too many one-time codes for this user or number in the last hour. */
export class RateLimitedError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

/** Too many consecutive wrong codes: no more codes until an admin resets the user. */
export class LockedError extends Error {
  constructor(message = "too many wrong codes: ask the help desk to unlock this user") {
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

import {
  ConflictError,
  CsvFileError,
  DeadlinePassedError,
  DomainValidationError,
  LockedError,
  NoPhoneError,
  NotFoundError,
  RateLimitedError,
  SenderRejectedError,
  SenderUnavailableError,
  secondsUntil,
} from "../domain/index.js";
import { HttpError } from "../shared/http-access.js";

/** An answer other than success, with the JSON body every error has: `{ error, message, field? }` (written by the shared access plugin). */
export class ApiError extends HttpError {
  constructor(status: number, error: string, message: string, field?: string, headers: Record<string, string> = {}, details: Record<string, unknown> = {}) {
    super(status, error, message, field, headers, details);
    this.name = "ApiError";
  }
}

/**
 * A limit that ends by itself: when (`until`), and the seconds to it from the answer's `now`
 * (`retryAfterSeconds`, `Retry-After`), so a caller can be told when to call back.
 */
function limited(status: 429 | 423, error: string, message: string, until: Date, now: Date, extra: Record<string, string> = {}): ApiError {
  const retryAfterSeconds = secondsUntil(until, now);
  return new ApiError(status, error, message, undefined, { "retry-after": String(retryAfterSeconds) }, { until: until.toISOString(), retryAfterSeconds, ...extra });
}

/**
 * Maps each domain failure to its status; null for anything else (fastify's own refusals, or a 500
 * that says nothing inside). `now` (the app's clock) counts a limit's seconds left.
 */
export function toApiError(err: unknown, now: Date = new Date()): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainValidationError) return new ApiError(400, "validation", `${err.field}: ${err.message}`, err.field);
  if (err instanceof CsvFileError) {
    // A missing column stays `validation` (as before); a quote or encoding error has its own name and the line.
    const error = err.problem === "header" ? "validation" : `csv_${err.problem}`;
    return new ApiError(400, error, err.message, "file", {}, err.line === null ? {} : { line: err.line });
  }
  if (err instanceof NotFoundError) return new ApiError(404, err.code, err.message);
  if (err instanceof ConflictError) return new ApiError(409, err.code, err.message, err.field);
  if (err instanceof RateLimitedError) return limited(429, "rate_limited", err.message, err.until, now, err.scope ? { scope: err.scope } : {});
  if (err instanceof LockedError) {
    return err.until ? limited(423, "locked", err.message, err.until, now, { scope: err.scope }) : new ApiError(423, "locked", err.message, undefined, {}, { scope: err.scope });
  }
  if (err instanceof NoPhoneError) return new ApiError(409, "no_phone", err.message);
  if (err instanceof DeadlinePassedError) return new ApiError(503, "deadline_passed", err.message);
  if (err instanceof SenderUnavailableError) return new ApiError(503, "sender_unavailable", "the message sender cannot deliver codes right now");
  if (err instanceof SenderRejectedError) return new ApiError(422, "sender_rejected", `the message sender refused the number (${err.reason})`);
  return null;
}

import {
  ConflictError,
  CsvHeaderError,
  DomainValidationError,
  LockedError,
  NoPhoneError,
  NotFoundError,
  RateLimitedError,
  SenderRejectedError,
  SenderUnavailableError,
} from "../domain/index.js";
import { HttpError } from "../shared/http-access.js";

/** An answer other than success, with the JSON body every error has: `{ error, message, field? }` (written by the shared access plugin). */
export class ApiError extends HttpError {
  constructor(status: number, error: string, message: string, field?: string, headers: Record<string, string> = {}) {
    super(status, error, message, field, headers);
    this.name = "ApiError";
  }
}

/** Maps each domain failure to its status; null for anything else (fastify's own refusals, or a 500 that says nothing inside). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainValidationError) return new ApiError(400, "validation", `${err.field}: ${err.message}`, err.field);
  if (err instanceof CsvHeaderError) return new ApiError(400, "validation", err.message, "file");
  if (err instanceof NotFoundError) return new ApiError(404, err.code, err.message);
  if (err instanceof ConflictError) return new ApiError(409, err.code, err.message, err.field);
  if (err instanceof RateLimitedError) {
    return new ApiError(429, "rate_limited", err.message, undefined, { "retry-after": String(err.retryAfterSeconds) });
  }
  if (err instanceof LockedError) return new ApiError(423, "locked", err.message);
  if (err instanceof NoPhoneError) return new ApiError(409, "no_phone", err.message);
  if (err instanceof SenderUnavailableError) return new ApiError(503, "sender_unavailable", "the message sender cannot deliver codes right now");
  if (err instanceof SenderRejectedError) return new ApiError(422, "sender_rejected", `the message sender refused the number (${err.reason})`);
  return null;
}

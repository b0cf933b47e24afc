import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
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

/** An answer other than success, with the JSON body every error has: `{ error, message, field? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** 400 naming the first bad field (`userCode`, `intervals.0.opens`, or `body` for the whole). */
export function validationError(error: z.ZodError, part: "body" | "query" | "params"): ApiError {
  const issue = error.issues[0]!;
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = path.length ? path.map(String).join(".") : part;
  if (issue.code === "unrecognized_keys") return new ApiError(400, "validation", `${field}: unknown field`, field);
  return new ApiError(400, "validation", `${field}: ${issue.message}`, field);
}

/** Maps each failure class to its status; anything unknown is a 500 that says nothing inside. */
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
  const fe = err as FastifyError;
  if (typeof fe?.code === "string" && fe.code.startsWith("FST_")) {
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return new ApiError(415, "unsupported_media_type", "send application/json");
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new ApiError(413, "too_large", "the request body is too large");
    if (fe.statusCode === 400) return new ApiError(400, "validation", `body: ${fe.message}`, "body");
  }
  return null;
}

export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.code(e.status).send({ error: e.error, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) });
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toApiError(err);
  if (known) {
    if (known.status >= 500) request.log.warn({ err: { name: (err as Error).name, message: known.message } }, "dependency unavailable");
    return sendError(reply, known);
  }
  request.log.error({ err }, "request failed");
  return sendError(reply, new ApiError(500, "internal", "internal error"));
}

import { DeadlineExceededError } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { TtsUnavailableError } from "./types.js";

/** The cause of a TtsUnavailableError when the engine did not answer within TTS_TIMEOUT_MS. */
export class TtsTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TtsTimeoutError";
  }
}

/**
 * What a failed synthesis becomes: TtsUnavailableError, which the call flow catches to fall back,
 * with the original error as its cause (a TtsTimeoutError when withDeadline's time ran out).
 */
export function ttsFailure(what: string, err: unknown): TtsUnavailableError {
  if (err instanceof TtsUnavailableError) return err;
  const cause = err instanceof DeadlineExceededError ? new TtsTimeoutError(`${what} took longer than ${err.timeoutMs} ms`) : err;
  return new TtsUnavailableError(`${what} failed: ${describeError(cause)}`, { cause });
}

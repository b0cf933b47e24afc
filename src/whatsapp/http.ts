import { SenderUnavailableError } from "../domain/index.js";
import { HttpRequestError } from "../shared/http-client.js";

/** A sender's request that got no answer, in the senders' words: the message cannot go now. */
export function senderUnreachable(what: string, err: unknown, timeoutMs: number): unknown {
  if (!(err instanceof HttpRequestError)) return err;
  switch (err.reason) {
    case "timeout":
      return new SenderUnavailableError(`${what} did not answer within ${timeoutMs} ms`, { cause: err });
    case "aborted":
      return new SenderUnavailableError(`${what}: request cancelled`, { cause: err });
    case "unreachable":
      return new SenderUnavailableError(`${what} is unreachable${err.code ? ` (${err.code})` : ""}`, { cause: err });
  }
}

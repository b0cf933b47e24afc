import { SenderUnavailableError } from "../domain/index.js";
import { HttpRequestError, neverReachedServer } from "../shared/http-client.js";

/**
 * A sender's request that got no answer, in the senders' words: the message cannot go now. Unless
 * the request certainly never reached the server, the message may have been taken all the same
 * (`maybeSent`): a timed-out code still counts against the caps (issue 14 item 7).
 */
export function senderUnreachable(what: string, err: unknown, timeoutMs: number): unknown {
  if (!(err instanceof HttpRequestError)) return err;
  switch (err.reason) {
    case "timeout":
      return new SenderUnavailableError(`${what} did not answer within ${timeoutMs} ms`, { cause: err, maybeSent: true });
    case "aborted":
      return new SenderUnavailableError(`${what}: request cancelled`, { cause: err, maybeSent: true });
    case "unreachable":
      return new SenderUnavailableError(`${what} is unreachable${err.code ? ` (${err.code})` : ""}`, { cause: err, maybeSent: !neverReachedServer(err) });
  }
}

import { StacklessError } from "../shared/errors.js";

/** One class per cause, so callers catch what they can act on (asterisk-java's model). */

/** The caller hung up (HANGUP line, 511, or the connection closed). Ends the call quietly. */
export class HangupError extends StacklessError {
  constructor(readonly reason: string = "channel hung up") {
    super(reason);
    this.name = "HangupError";
  }
}

/** Asterisk answered a command with an error code (510 unknown command, 520 bad syntax). */
export class AgiCommandError extends Error {
  constructor(
    readonly code: number,
    readonly command: string,
    readonly detail: string,
  ) {
    super(`${code} for "${command.split(" ").slice(0, 2).join(" ")}": ${detail}`);
    this.name = "AgiCommandError";
  }
}

/** A command got no reply within its timeout: the call is ended. */
export class AgiTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to "${command.split(" ").slice(0, 2).join(" ")}" within ${timeoutMs} ms`);
    this.name = "AgiTimeoutError";
  }
}

/** STREAM FILE / GET DATA returned -1 on a live channel: the prompt file is missing or unplayable. */
export class PlaybackError extends Error {
  constructor(readonly file: string) {
    super(`could not play "${file}" (missing or unreadable file)`);
    this.name = "PlaybackError";
  }
}

/** RECORD FILE failed on a live channel: Asterisk could not write the file (`writefile`) or play its beep. */
export class RecordingError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`could not record "${file}" (${reason})`);
    this.name = "RecordingError";
  }
}

/** A value that cannot be sent safely as an AGI argument (CR/LF, NUL, over-long). */
export class AgiArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgiArgumentError";
  }
}

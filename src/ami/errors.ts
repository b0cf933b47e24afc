/** One class per cause, so the owner of the connection can act on each (STYLE.md §3). */

/** Asterisk refused Username/Secret ("Authentication failed"): fix manager.conf or the settings. */
export class AmiAuthError extends Error {
  constructor(readonly detail: string) {
    super(`AMI login refused: ${detail}`);
    this.name = "AmiAuthError";
  }
}

/** The connection could not be opened, was cut, or stopped answering. The client reconnects. */
export class AmiConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmiConnectionError";
  }
}

/** The peer does not speak AMI (no "Asterisk Call Manager" banner), or sent something unreadable. */
export class AmiProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmiProtocolError";
  }
}

/** A value that cannot be sent in an action line (CR, LF or NUL would start a new header or message). */
export class AmiArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmiArgumentError";
  }
}

/** Asterisk answered an action with an error ("Permission denied", "Invalid/unknown command" when app_queue is not loaded). */
export class AmiActionError extends Error {
  constructor(
    readonly action: string,
    readonly detail: string,
  ) {
    super(`AMI ${action} refused: ${detail}`);
    this.name = "AmiActionError";
  }
}

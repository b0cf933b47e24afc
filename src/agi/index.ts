export type { AgiChannel, AgiRequest, AgiScript, DataResult, RecordOptions, RecordResult, StreamResult } from "./channel.js";
export { AgiArgumentError, AgiCommandError, AgiTimeoutError, HangupError, PlaybackError, RecordingError } from "./errors.js";
export { AgiServer, type AgiServerOptions } from "./server.js";
export { callerNumber, callIdFor, escapeAndQuote } from "./protocol.js";

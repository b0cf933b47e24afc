export type { AgiChannel, AgiRequest, AgiScript, DataResult, StreamResult } from "./channel.js";
export { AgiArgumentError, AgiCommandError, AgiTimeoutError, HangupError, PlaybackError } from "./errors.js";
export { AgiServer, type AgiServerOptions } from "./server.js";
export { callerNumber, callIdFor, escapeAndQuote } from "./protocol.js";

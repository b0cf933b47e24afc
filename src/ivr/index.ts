export { ivrScripts } from "./scripts.js";
export type { IvrDependencies, IvrSettings } from "./deps.js";
export type { CallResult, StepResult } from "./outcome.js";
export { DependencyUnavailableError, LimitReachedError } from "./ports.js";
export type { Clock, OpenTicketResult, OtpRequestResult, PromptLookup, QueueLoad, QueueStatus, RequestOptions, TicketApi, VoiceRecordings } from "./ports.js";
export { signUser, verifyUser } from "./state.js";

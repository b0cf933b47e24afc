/** The help desk's domain: its rules, its ports, its repositories and storage. What other modules may use. */
export {
  openStore,
  createStore,
  type Store,
  type StoreOptions,
  type TicketBackendDeps,
  type TicketBackendFactory,
} from "./store.js";
export { migrate, loadMigrations, pendingMigrations, defaultSqlDir, type Migration, type MigrateResult } from "./migrations.js";
export { openSqlite } from "./sqlite.js";
export { openMysql } from "./mysql.js";
export type { Db, Dialect, Queryable } from "./db.js";
export { createHelpDeskEvents, publishingBackend, type HelpDeskEvent, type HelpDeskEvents } from "./events.js";

// Rules, each defined once; the API contract composes them.
export { callId, digits, formatProtocol, parseInput, protocol, protocolGroups, serviceKey, userCode } from "./rules.js";
// The ports (what adapters implement) and the ticket schemas that cross them: listed once, in ports/index.ts.
export * from "./ports/index.js";
export { LivenessBoard } from "./liveness.js";
export { ReadySpeech, announcementSentences, catalogueSentences, guidanceSentences, spokenFingerprint, type SpokenChanged } from "./spoken.js";

// Repositories, one per aggregate.
export {
  AccountRepository,
  ACCOUNT_ROLES,
  accountCreateSchema,
  accountPatchSchema,
  accountRole,
  roleAllows,
  type Account,
  type AccountRole,
  type SignInPolicy,
  type SignInResult,
} from "./accounts.js";
export { SessionRepository, csrfTokenFor, csrfMatches, type SessionAccount, type SessionPolicy } from "./sessions.js";
export { KioskTokenRepository, kioskCreateSchema, type KioskToken } from "./kiosk-tokens.js";
export { AuditRepository, systemActor, type Actor, type AuditFilter, type AuditRecord } from "./audit.js";
export { UserRepository, type User, type UserFilter, type CallerMatchResult, type UpsertOutcome } from "./users.js";
export { userInputSchema, userPatchSchema, type UserInput, type UserPatch, type ValidUserInput } from "./user-schemas.js";
export { CatalogueRepository, serviceCreateSchema, serviceSwapSchema, serviceUpdateSchema, type CatalogueNode } from "./catalogue.js";
export { BuiltinTicketBackend, type BuiltinTicketOptions } from "./tickets.js";
export {
  HoursRepository,
  scheduleSchema,
  holidaySchema,
  hoursStatusSchema,
  isoDate,
  evaluateHours,
  type HoursStatus,
  type ScheduleInterval,
  type Holiday,
} from "./business-hours.js";
export {
  CallRepository,
  CALL_OUTCOMES,
  callOutcome,
  recordCallSchema,
  recordTransferSchema,
  IDENTIFICATION_METHODS,
  identificationMethod,
  type CallOutcome,
  type CallRecord,
  type RecordCallInput,
  type RecordTransferInput,
  type TransferRecord,
  type IdentificationMethod,
} from "./calls.js";
export {
  CodeRepository,
  randomCode,
  codeMessage,
  otpVerifyResultSchema,
  resolveOtpSecret,
  type CodeGenerator,
  type CodeRequest,
  type IssuedCode,
  type OtpVerifyResult,
  type OtpPolicy,
} from "./one-time-codes.js";
export { prepareImport, type ImportReport, type ImportRejection } from "./users-import.js";
export { CsvFileError, decodeCsv, type CsvProblem } from "./csv.js";
export type { PurgeReport } from "./purge.js";
export {
  AnnouncementRepository,
  announcementCreateSchema,
  announcementSchema,
  announcementUpdateSchema,
  MAX_ANNOUNCEMENT_CHARS,
  type Announcement,
} from "./announcements.js";
export { CallbackRepository, callbackRequestSchema, callbackSchema, type Callback, type CallbackRequest } from "./callbacks.js";
export { GuidanceRepository, guidanceCreateSchema, guidanceSchema, guidanceUpdateSchema, type Guidance } from "./guidance.js";
export { SurveyRepository, surveyAnswerSchema, surveySummarySchema, type SurveyAnswer, type SurveySummary } from "./surveys.js";
export {
  IDENTIFICATION_MODES,
  identificationMode,
  identificationScope,
  identificationRuleInput,
  identificationRuleSchema,
  type IdentificationMode,
  type IdentificationRule,
  type IdentificationScope,
} from "./identification.js";
export {
  normalizeBrazilianPhone,
  parseBrazilianPhone,
  normalizeMobile,
  callerKey,
  VALID_DDDS,
  type NormalizedPhone,
  type PhoneKind,
} from "./phone.js";
export { systemClock, formatLocal, type Clock } from "./time.js";
export {
  DomainValidationError,
  NotFoundError,
  ConflictError,
  checkNotAfter,
  DeadlinePassedError,
  RateLimitedError,
  LockedError,
  NoPhoneError,
  secondsUntil,
  codeLimitScopes,
  type CodeLimitScope,
} from "./errors.js";

// For a second ticket backend and the notifiers (src/glpi, src/notify): what the builtin backend
// uses inside its own transactions, the database's times, and the written messages.
export { isUniqueViolation } from "./db.js";
export { writeAudit } from "./audit.js";
export { findUserByCode } from "./users.js";
export { serviceIndex, type ServiceInfo } from "./catalogue.js";
export { mobileProblem } from "./phone.js";
export { fromDbTime, localDate, localParts, toDbTime, zonedTimeToUtc } from "./time.js";
export { message, type MessageId, type MessageValues } from "./messages.js";
export { attachVoiceDescription, isWav, VOICE_DESCRIPTION_NAME, VOICE_DESCRIPTION_TYPE } from "./voice-descriptions.js";

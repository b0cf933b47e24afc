/** The help desk's domain and storage: what other modules may use. */
export { openStore, createStore, type Store, type StoreOptions } from "./store.js";
export { migrate, loadMigrations, pendingMigrations, defaultSqlDir, type Migration, type MigrateResult } from "./migrations.js";
export { openSqlite } from "./sqlite.js";
export { openMysql } from "./mysql.js";
export type { Db, Dialect, Queryable } from "./db.js";
export { SenderRejectedError, SenderUnavailableError, type MessageSender, type OutgoingMessage } from "./ports/index.js";
export { systemActor, type Actor, type AuditRecord } from "./audit.js";
export type { User, CallerMatchResult } from "./users.js";
export { userInputSchema, userPatchSchema } from "./users.js";
export type { CatalogueNode } from "./catalogue.js";
export { serviceCreateSchema, serviceUpdateSchema } from "./catalogue.js";
export { TICKET_STATUSES, TRANSITIONS, statusChangeSchema, type TicketView, type TicketHistoryEntry, type TicketStatus } from "./tickets.js";
export { scheduleSchema, holidaySchema, isoDate, evaluateHours, type HoursStatus, type ScheduleInterval, type Holiday } from "./business-hours.js";
export { recordCallSchema, type CallRecord } from "./calls.js";
export { randomCode, codeMessage, resolveOtpSecret, type CodeGenerator, type OtpVerifyResult, type OtpPolicy } from "./one-time-codes.js";
export { prepareImport, CsvHeaderError, type ImportReport, type ImportRejection } from "./users-import.js";
export type { PurgeReport } from "./purge.js";
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
  RateLimitedError,
  LockedError,
  NoPhoneError,
} from "./errors.js";

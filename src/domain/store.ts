import type { Settings } from "../config/index.js";
import { dataPath } from "../config/index.js";
import type { MessageSender } from "./ports/index.js";
import { listAudit, type Actor, type AuditRecord } from "./audit.js";
import {
  catalogueTree,
  createService,
  deleteService,
  updateService,
  type CatalogueNode,
} from "./catalogue.js";
import { recordCall, getCall, type CallRecord, type RecordCallInput } from "./calls.js";
import type { Db, Dialect } from "./db.js";
import {
  deleteHoliday,
  getSchedule,
  hoursAt,
  listHolidays,
  putHoliday,
  setSchedule,
  type Holiday,
  type HoursStatus,
  type ScheduleInterval,
} from "./business-hours.js";
import { migrate, type MigrateResult } from "./migrations.js";
import { openMysql } from "./mysql.js";
import {
  issueCode,
  resetCodeFailures,
  resolveOtpSecret,
  sendCode,
  verifyCode,
  type CodeGenerator,
  type IssuedCode,
  type OtpPolicy,
  type OtpVerifyResult,
} from "./one-time-codes.js";
import { purgeOld, type PurgeReport } from "./purge.js";
import { openSqlite } from "./sqlite.js";
import {
  changeTicketStatus,
  listTickets,
  openTicket,
  ticketForRequester,
  ticketWithHistory,
  type TicketHistoryEntry,
  type TicketStatus,
  type TicketView,
} from "./tickets.js";
import {
  createUser,
  deleteUser,
  findUserByCode,
  identifyByCaller,
  listUsers,
  updateUser,
  type CallerMatchResult,
  type User,
} from "./users.js";
import { importUsersCsv, type ImportReport } from "./users-import.js";

export interface StoreOptions {
  /** Apply pending migrations while opening. Default: yes for SQLite, no for MySQL (`ura migrate`). */
  migrate?: boolean;
  /** Overrides the HMAC key of one-time codes (tests). */
  otpSecret?: Buffer;
}

/**
 * The system of record: every repository and service of the help desk over one database.
 * Writes take the acting API client (`Actor`, for the audit log) and the instant (`now`, from the
 * API's injected clock), so nothing here reads the wall clock.
 */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  readonly timeZone: string;
  readonly otpPolicy: OtpPolicy;
  migrate(): Promise<MigrateResult>;
  /** Throws when the database is unreachable (`/health`). */
  ping(): Promise<void>;
  close(): Promise<void>;

  users: {
    byCode(code: string): Promise<User | null>;
    byCaller(number: string): Promise<CallerMatchResult>;
    list(filter: { limit: number; offset: number; search?: string; department?: string }): Promise<{ users: User[]; total: number }>;
    create(input: unknown, actor: Actor, now: Date): Promise<User>;
    update(code: string, patch: unknown, actor: Actor, now: Date): Promise<User>;
    remove(code: string, actor: Actor, now: Date): Promise<void>;
    importCsv(text: string, actor: Actor, now: Date, onProgress?: (done: number, total: number) => void): Promise<ImportReport>;
    resetCodeFailures(code: string, actor: Actor, now: Date): Promise<void>;
  };
  catalogue: {
    tree(includeInactive?: boolean): Promise<CatalogueNode[]>;
    create(input: unknown, actor: Actor, now: Date): Promise<CatalogueNode>;
    update(id: number, patch: unknown, actor: Actor, now: Date): Promise<CatalogueNode>;
    remove(id: number, actor: Actor, now: Date): Promise<void>;
  };
  tickets: {
    open(input: Parameters<typeof openTicket>[1], actor: Actor, now: Date): Promise<{ ticket: TicketView; created: boolean }>;
    forRequester(protocol: string, userCode: string): Promise<TicketView | null>;
    get(protocol: string): Promise<{ ticket: TicketView; history: TicketHistoryEntry[] } | null>;
    list(filter: { status?: TicketStatus; userCode?: string; limit: number; offset: number }): Promise<{ tickets: TicketView[]; total: number }>;
    changeStatus(
      protocol: string,
      input: { status: TicketStatus; note?: string | null },
      actor: Actor,
      now: Date,
    ): Promise<{ ticket: TicketView; history: TicketHistoryEntry[] }>;
  };
  codes: {
    issue(input: { userCode: string; callId?: string | null; callerNumber?: string | null }, actor: Actor, now: Date, generate?: CodeGenerator): Promise<IssuedCode>;
    send(
      sender: MessageSender,
      input: { userCode: string; callId?: string | null; callerNumber?: string | null },
      actor: Actor,
      now: Date,
      options: { generate?: CodeGenerator; timeoutMs: number },
    ): Promise<{ expiresAt: Date; phoneMasked: string }>;
    verify(input: { userCode: string; code: string }, actor: Actor, now: Date): Promise<OtpVerifyResult>;
  };
  calls: {
    record(input: RecordCallInput, actor: Actor, now: Date): Promise<{ created: boolean }>;
    get(callId: string): Promise<CallRecord | null>;
  };
  hours: {
    at(now: Date): Promise<HoursStatus>;
    schedule(): Promise<ScheduleInterval[]>;
    setSchedule(intervals: ScheduleInterval[], actor: Actor, now: Date): Promise<ScheduleInterval[]>;
    holidays(from?: string): Promise<Holiday[]>;
    putHoliday(date: string, name: string, actor: Actor, now: Date): Promise<{ holiday: Holiday; created: boolean }>;
    deleteHoliday(date: string, actor: Actor, now: Date): Promise<void>;
  };
  audit: {
    list(filter: { limit: number; entity?: string; entityId?: string; action?: string }): Promise<AuditRecord[]>;
  };
  /** Deletes call records and audit rows past RETENTION_CALL_DAYS / RETENTION_AUDIT_DAYS. */
  purge(actor: Actor, now: Date): Promise<PurgeReport>;
}

/** Opens the database the settings name (DB_DRIVER), migrating SQLite on the way. */
export async function openStore(settings: Settings, options: StoreOptions = {}): Promise<Store> {
  const db =
    settings.DB_DRIVER === "mysql"
      ? openMysql(settings.DATABASE_URL, settings.DB_POOL_SIZE)
      : openSqlite(settings.SQLITE_PATH === ":memory:" ? ":memory:" : dataPath(settings, settings.SQLITE_PATH, "ura.sqlite"));
  try {
    if (options.migrate ?? settings.DB_DRIVER === "sqlite") await migrate(db);
    const otpPolicy: OtpPolicy = {
      secret: options.otpSecret ?? resolveOtpSecret(settings),
      ttlSeconds: Math.min(settings.OTP_TTL_SECONDS, 600),
      maxAttempts: settings.OTP_MAX_ATTEMPTS,
      maxFailures: settings.OTP_MAX_FAILURES,
      maxPerHour: settings.OTP_MAX_PER_HOUR,
    };
    return createStore(db, settings, otpPolicy);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

export function createStore(db: Db, settings: Settings, otpPolicy: OtpPolicy): Store {
  const tz = settings.URA_TIMEZONE;
  const ticketOptions = { siteCode: settings.SITE_CODE, timeZone: tz };
  return {
    dialect: db.dialect,
    db,
    timeZone: tz,
    otpPolicy,
    migrate: () => migrate(db),
    ping: () => db.ping(),
    close: () => db.close(),
    users: {
      byCode: (code) => findUserByCode(db, code),
      byCaller: (number) => identifyByCaller(db, number),
      list: (filter) => listUsers(db, filter),
      create: (input, actor, now) => createUser(db, input, actor, now),
      update: (code, patch, actor, now) => updateUser(db, code, patch, actor, now),
      remove: (code, actor, now) => deleteUser(db, code, actor, now),
      importCsv: (text, actor, now, onProgress) => importUsersCsv(db, text, actor, now, onProgress),
      resetCodeFailures: (code, actor, now) => resetCodeFailures(db, code, actor, now),
    },
    catalogue: {
      tree: (includeInactive) => catalogueTree(db, includeInactive),
      create: (input, actor, now) => createService(db, input, actor, now),
      update: (id, patch, actor, now) => updateService(db, id, patch, actor, now),
      remove: (id, actor, now) => deleteService(db, id, actor, now),
    },
    tickets: {
      open: (input, actor, now) => openTicket(db, input, actor, now, ticketOptions),
      forRequester: (protocol, userCode) => ticketForRequester(db, protocol, userCode, tz),
      get: (protocol) => ticketWithHistory(db, protocol, tz),
      list: (filter) => listTickets(db, filter, tz),
      changeStatus: (protocol, input, actor, now) => changeTicketStatus(db, protocol, input, actor, now, tz),
    },
    codes: {
      issue: (input, actor, now, generate) => issueCode(db, input, actor, now, otpPolicy, generate),
      send: (sender, input, actor, now, options) => sendCode(db, sender, input, actor, now, otpPolicy, options),
      verify: (input, actor, now) => verifyCode(db, input, actor, now, otpPolicy),
    },
    calls: {
      record: (input, actor, now) => recordCall(db, input, actor, now),
      get: (callId) => getCall(db, callId),
    },
    hours: {
      at: (now) => hoursAt(db, now, tz),
      schedule: () => getSchedule(db),
      setSchedule: (intervals, actor, now) => setSchedule(db, intervals, actor, now),
      holidays: (from) => listHolidays(db, from),
      putHoliday: (date, name, actor, now) => putHoliday(db, date, name, actor, now),
      deleteHoliday: (date, actor, now) => deleteHoliday(db, date, actor, now),
    },
    audit: {
      list: (filter) => listAudit(db, filter),
    },
    purge: (actor, now) =>
      purgeOld(db, { callDays: settings.RETENTION_CALL_DAYS, auditDays: settings.RETENTION_AUDIT_DAYS }, actor, now),
  };
}

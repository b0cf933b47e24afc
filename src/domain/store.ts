import type { Settings } from "../config/index.js";
import { dataPath } from "../config/index.js";
import { createEventBus, type EventSource } from "../shared/event-bus.js";
import { ticketOpened } from "../shared/metrics.js";
import { AuditRepository, type Actor } from "./audit.js";
import { HoursRepository } from "./business-hours.js";
import { IdentificationRules } from "./identification.js";
import { SurveyRepository } from "./surveys.js";
import { AnnouncementRepository } from "./announcements.js";
import { GuidanceRepository } from "./guidance.js";
import { CallbackRepository } from "./callbacks.js";
import { AccountRepository } from "./accounts.js";
import { KioskTokenRepository } from "./kiosk-tokens.js";
import { CallRepository } from "./calls.js";
import { CatalogueRepository } from "./catalogue.js";
import { createHelpDeskEvents, publishingBackend, type HelpDeskEvents } from "./events.js";
import { measuredDb, type Db, type Dialect } from "./db.js";
import { migrate, type MigrateResult } from "./migrations.js";
import { openMysql } from "./mysql.js";
import { CodeRepository, resolveOtpSecret, type OtpPolicy } from "./one-time-codes.js";
import type { SpeechPrewarmer, TicketBackend } from "./ports/index.js";
import { purgeOld, type PurgeReport } from "./purge.js";
import { SessionRepository } from "./sessions.js";
import type { SpokenChanged } from "./spoken.js";
import { openSqlite } from "./sqlite.js";
import { BuiltinTicketBackend } from "./tickets.js";
import { UserRepository } from "./users.js";

/** What a ticket backend is built from: this database (for its own tables or an outbox) and the settings. */
export interface TicketBackendDeps {
  db: Db;
  settings: Settings;
  users: UserRepository;
  catalogue: CatalogueRepository;
}

export type TicketBackendFactory = (deps: TicketBackendDeps) => TicketBackend;

export interface StoreOptions {
  /** Apply pending migrations while opening. Default: yes for SQLite, no for MySQL (`ura migrate`). */
  migrate?: boolean;
  /** Overrides the HMAC key of one-time codes (tests). */
  otpSecret?: Buffer;
  /** The ticket backend in force; the builtin tables when not given. */
  tickets?: TicketBackendFactory;
  /** Text-to-speech the catalogue, announcements, guidance and users' names warm after each change (`ura start`, `ura api`); none: no synthesis ahead. */
  speech?: SpeechPrewarmer;
}

/**
 * The system of record: one repository per aggregate over one database, and the ticket backend in
 * force. Writes take the acting API client (`Actor`, for the audit log) and the instant (`now`,
 * from the API's injected clock), so nothing here reads the wall clock.
 */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  readonly timeZone: string;
  readonly otpPolicy: OtpPolicy;
  readonly users: UserRepository;
  readonly catalogue: CatalogueRepository;
  readonly tickets: TicketBackend;
  readonly codes: CodeRepository;
  readonly calls: CallRepository;
  readonly hours: HoursRepository;
  /** How callers are identified, per department and per extension (docs/security.md). */
  readonly identification: IdentificationRules;
  /** Satisfaction survey answers and the wallboard's summary of them. */
  readonly surveys: SurveyRepository;
  /** What callers hear before the main menu, with a start and an end (issue 13). */
  readonly announcements: AnnouncementRepository;
  /** The information menu's guidance texts ("como trocar sua senha"). */
  readonly guidance: GuidanceRepository;
  /** Callers who asked to be called back, on their tickets. */
  readonly callbacks: CallbackRepository;
  readonly audit: AuditRepository;
  /** Tickets opened and changed, calls transferred to the technicians: the console's live views listen. */
  readonly events: HelpDeskEvents;
  /** Each write here that changes what the IVR says with TTS: the heartbeat's `spoken` fingerprint reads it afresh. */
  readonly spokenChanges: EventSource<SpokenChanged>;
  /** The console's technician and admin accounts, their sessions, and the wall TVs' kiosk tokens. */
  readonly accounts: AccountRepository;
  readonly sessions: SessionRepository;
  readonly kiosks: KioskTokenRepository;
  migrate(): Promise<MigrateResult>;
  /** Throws when the database is unreachable (`/health`). */
  ping(): Promise<void>;
  /** Deletes call records and audit rows past RETENTION_CALL_DAYS / RETENTION_AUDIT_DAYS. */
  purge(actor: Actor, now: Date): Promise<PurgeReport>;
  close(): Promise<void>;
}

/** Opens the database the settings name (DB_DRIVER), migrating SQLite on the way. */
export async function openStore(settings: Settings, options: StoreOptions = {}): Promise<Store> {
  const db = measuredDb(
    settings.DB_DRIVER === "mysql"
      ? openMysql(settings.DATABASE_URL, settings.DB_POOL_SIZE)
      : openSqlite(settings.SQLITE_PATH === ":memory:" ? ":memory:" : dataPath(settings, settings.SQLITE_PATH, "ura.sqlite")),
  );
  try {
    if (options.migrate ?? settings.DB_DRIVER === "sqlite") await migrate(db);
    const otpPolicy: OtpPolicy = {
      secret: options.otpSecret ?? resolveOtpSecret(settings),
      ttlSeconds: Math.min(settings.OTP_TTL_SECONDS, 600),
      maxAttempts: settings.OTP_MAX_ATTEMPTS,
      maxFailures: settings.OTP_MAX_FAILURES,
      maxPerHour: settings.OTP_MAX_PER_HOUR,
      cooldownMinutes: settings.OTP_COOLDOWN_MINUTES,
    };
    return createStore(db, settings, otpPolicy, options.tickets, options.speech);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** Composes the repositories over an open database. */
export function createStore(db: Db, settings: Settings, otpPolicy: OtpPolicy, tickets?: TicketBackendFactory, speech?: SpeechPrewarmer): Store {
  const timeZone = settings.URA_TIMEZONE;
  const users = new UserRepository(db, speech ?? null);
  const spokenChanges = createEventBus<SpokenChanged>();
  const spokenChanged = (what: SpokenChanged["what"]) => () => spokenChanges.publish({ type: "spoken-changed", what });
  const catalogue = new CatalogueRepository(db, speech ?? null, spokenChanged("catalogue"));
  const events = createHelpDeskEvents();
  const backend: TicketBackend = countingOpened(
    publishingBackend(tickets ? tickets({ db, settings, users, catalogue }) : new BuiltinTicketBackend(db, { siteCode: settings.SITE_CODE, timeZone, services: (q) => catalogue.recentIndex(q) }), events),
  );
  const calls = new CallRepository(db, (transfer) => events.publish({ type: "call-transferred", transfer }));
  return {
    dialect: db.dialect,
    db,
    timeZone,
    otpPolicy,
    users,
    catalogue,
    tickets: backend,
    codes: new CodeRepository(db, otpPolicy),
    calls,
    hours: new HoursRepository(db, timeZone),
    identification: new IdentificationRules(db),
    surveys: new SurveyRepository(db),
    announcements: new AnnouncementRepository(db, timeZone, speech ?? null, spokenChanged("announcements")),
    guidance: new GuidanceRepository(db, speech ?? null, spokenChanged("guidance")),
    callbacks: new CallbackRepository(db, timeZone),
    audit: new AuditRepository(db),
    events,
    spokenChanges,
    accounts: new AccountRepository(db, { maxFailures: settings.CONSOLE_SIGNIN_MAX_FAILURES, windowSeconds: settings.CONSOLE_SIGNIN_WINDOW_MINUTES * 60 }),
    sessions: new SessionRepository(db, { idleMinutes: settings.CONSOLE_SESSION_IDLE_MINUTES, maxHours: settings.CONSOLE_SESSION_MAX_HOURS }),
    kiosks: new KioskTokenRepository(db),
    migrate: () => migrate(db),
    ping: () => db.ping(),
    purge: (actor, now) => purgeOld(db, { callDays: settings.RETENTION_CALL_DAYS, auditDays: settings.RETENTION_AUDIT_DAYS, recordingDays: settings.RETENTION_RECORDING_DAYS }, actor, now),
    async close() {
      try {
        await backend.close?.();
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * The backend as the store hands it out, counting the tickets it really opens (a repeated open for
 * the same call is not one) in ura_tickets_opened_total: once here, whichever backend is in force.
 */
function countingOpened(backend: TicketBackend): TicketBackend {
  const open: TicketBackend["open"] = async (input, actor, now, options) => {
    const result = await backend.open(input, actor, now, options);
    if (result.created) ticketOpened(backend.kind, result.ticket.service.path);
    return result;
  };
  return new Proxy(backend, {
    get(target, property) {
      if (property === "open") return open;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import pino, { type Logger } from "pino";
import { checkNotAfter, writeAudit, isUniqueViolation, message, zonedTimeToUtc, type Db } from "../domain/index.js";
import {
  attachmentFileSchema,
  ConflictError,
  DomainValidationError,
  formatLocal,
  NotFoundError,
  openTicketSchema,
  parseInput,
  statusChangeSchema,
  TRANSITIONS,
  type Actor,
  type AttachmentFile,
  type OpenTicketInput,
  type StatusChange,
  type TicketAttachment,
  type TicketBackend,
  type TicketDetail,
  type TicketFilter,
  type TicketHistoryEntry,
  type TicketPriority,
  type TicketStatus,
  type TicketView,
} from "../domain/index.js";
import { backoffDelay } from "../shared/backoff.js";
import { withDeadline } from "../shared/deadline.js";
import { describeError } from "../shared/errors.js";
import { realTimers, type Timers } from "../shared/timers.js";
import type { Notifier } from "../notify/index.js";
import type { GlpiClient, GlpiTicketRow, SearchQuery } from "./client.js";
import { htmlToText, ticketContent, ticketMarker, ticketName } from "./content.js";
import { sqlDirectory, type GlpiDirectory, type Requester, type ServiceEntry } from "./directory.js";
import { certainlyNotApplied, GlpiApiError } from "./errors.js";
import { glpiCriteria, glpiOrder, includesWaiting, outboxFilter, resolveListQuery } from "./list-query.js";
import { outbox, type Lease, type OutboxAttachment, type OutboxTicket } from "./outbox.js";
import type { Criterion } from "./query.js";
import { fromGlpiPriority, fromGlpiStatus, TICKET_FIELD, toGlpiStatus } from "./status.js";

/** A ticket as the GLPI backend shows it: `pending` while it waits in the local outbox for GLPI. */
export type BackendTicketView = TicketView & { pending?: boolean };

/** What a call knows besides who and which service (the port's `call`), written into the ticket for the technician. */
export type { CallFacts } from "../domain/index.js";

export interface GlpiBackendOptions {
  db: Db;
  client: GlpiClient;
  /** Our users and catalogue with their GLPI links; default: read from `db`. */
  directory?: GlpiDirectory;
  /** SITE_CODE: part of the reference written into each ticket. */
  siteCode: string;
  /** URA_TIMEZONE: how our views show times. */
  timeZone: string;
  /** The timezone of GLPI's `YYYY-MM-DD HH:MM:SS` dates; default `timeZone`. */
  glpiTimeZone?: string;
  /** GLPI_ENTITY_ID; null = the service account's active entity. */
  entityId: number | null;
  /** GLPI_REQUEST_TYPE_ID; null = the request type named "Phone", looked up when first needed, else 3. */
  requestTypeId: number | null;
  /**
   * Longest wait for GLPI inside open() and attach() before answering with the local number: what
   * is left of the caller's 3 s budget once the database did its part. The attempt goes on after it.
   */
  answerWithinMs: number;
  /** Longest wait for one GLPI request of the outbox. */
  requestTimeoutMs?: number;
  /** Wait between attempts of one ticket: doubles from initial to max. */
  retry?: { initialMs: number; maxMs: number };
  /** After an unknown outcome, wait at least this long before searching for the ticket (GLPI may still be committing). */
  uncertainDelayMs?: number;
  /** How often the outbox looks for due tickets. */
  pollMs?: number;
  /** Who hears about each ticket once it exists in GLPI. */
  notifier?: Notifier;
  logger?: Logger;
  clock?: () => Date;
  timers?: Timers;
}

const PENDING_PREFIX = "0";
/** GLPI's "Phone" request type on a fresh install (reference §5.2). */
export const DEFAULT_PHONE_REQUEST_TYPE = 3;

/**
 * Tickets in GLPI, with a local outbox so GLPI being down or slow never costs a caller a ticket.
 *
 * `open` writes the ticket to `glpi_tickets` first, then tries GLPI for `answerWithinMs`. The caller
 * hears GLPI's ticket id when GLPI answered in time, else the local number with a leading 0 ("07"):
 * GLPI ids never start with 0, so the two cannot collide, and status by phone accepts both. The
 * attempt that outlived the answer, or the outbox worker later, records GLPI's id; the worker keeps
 * trying with backoff, across restarts. Every attempt after one whose outcome is unknown (timeout,
 * dropped connection, 5xx) first searches GLPI for the ticket's reference, so no ticket is created
 * twice. Once a ticket exists in GLPI the notifier hears about it, once.
 */
export class GlpiTicketBackend implements TicketBackend {
  readonly kind = "glpi" as const;
  private readonly db: Db;
  private readonly client: GlpiClient;
  private readonly directory: GlpiDirectory;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly timers: Timers;
  private readonly requestTimeoutMs: number;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly uncertainDelayMs: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly owner: string;
  private readonly glpiTimeZone: string;
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: unknown = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private running = false;
  private requestType: Promise<number> | null = null;

  constructor(private readonly options: GlpiBackendOptions) {
    this.db = options.db;
    this.client = options.client;
    this.directory = options.directory ?? sqlDirectory(options.db);
    this.log = options.logger ?? pino({ level: "silent" });
    this.clock = options.clock ?? (() => new Date());
    this.timers = options.timers ?? realTimers;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.retry = options.retry ?? { initialMs: 2000, maxMs: 60_000 };
    this.uncertainDelayMs = options.uncertainDelayMs ?? 5000;
    this.pollMs = options.pollMs ?? 5000;
    // A lease outlives any attempt (a login and a request), so it only runs out when a process died.
    this.leaseMs = this.requestTimeoutMs * 2 + 5000;
    this.owner = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.glpiTimeZone = options.glpiTimeZone ?? options.timeZone;
  }

  // ── the port ────────────────────────────────────────────────────────────────

  async open(raw: OpenTicketInput, actor: Actor, now: Date, options: { notAfter?: number } = {}): Promise<{ ticket: BackendTicketView; created: boolean }> {
    const input = parseInput(openTicketSchema, raw);
    const call = input.call ?? null;
    const callId = input.callId ?? null;
    if (callId !== null) {
      const existing = await outbox.byCallId(this.db, callId);
      if (existing) return { ticket: this.localView(this.sameRequester(existing, input.userCode)), created: false };
    }
    const requester = await this.directory.requester(input.userCode);
    if (!requester || !requester.active) throw new NotFoundError("unknown_user", `no active user with code ${input.userCode}`);
    const service = await this.directory.service(input.serviceId);
    if (!service || !service.active) throw new NotFoundError("unknown_service", `no service ${input.serviceId}`);
    if (!service.leaf) throw new DomainValidationError("serviceId", `service ${input.serviceId} is a menu: choose one of its options`);

    const description = input.description?.trim() ? input.description.trim() : null;
    const marker = ticketMarker(this.options.siteCode, callId);
    const payload = this.ticketInput(requester, service, {
      source: input.source,
      description,
      callerNumber: call?.callerNumber ?? null,
      identifiedBy: call?.identifiedBy ? (call.identifiedBy.startsWith("caller-id") ? "extension" : call.identifiedBy === "code+otp" ? "otp" : "code") : null,
      openedAt: now,
      marker,
    });
    let id: number;
    try {
      id = await this.db.transaction(async (tx) => {
        const newId = await outbox.insert(
          tx,
          {
            marker,
            callId,
            requesterCode: requester.code,
            requesterName: requester.name,
            serviceId: service.id,
            serviceLabel: service.label,
            servicePath: service.path,
            description,
            source: input.source,
            payload,
            notice: { department: requester.department, callerNumber: call?.callerNumber ?? null },
          },
          this.lease(),
          now,
        );
        await writeAudit(tx, actor, now, {
          action: "ticket.open",
          entity: "ticket",
          entityId: pendingProtocol(newId),
          details: { requester: requester.code, serviceId: service.id, source: input.source, callId, backend: "glpi" },
        });
        // As the builtin backend: not committed past the client's deadline (issue 14 item 5).
        checkNotAfter(options.notAfter, "open ticket");
        return newId;
      });
    } catch (err) {
      // Another request for the same call won the race: answer with its ticket.
      if (callId !== null && isUniqueViolation(err)) {
        const existing = await outbox.byCallId(this.db, callId);
        if (existing) return { ticket: this.localView(this.sameRequester(existing, input.userCode)), created: false };
      }
      throw err;
    }
    const row = (await outbox.byId(this.db, id))!;
    await this.within(this.track(this.deliverTicket(row)), this.options.answerWithinMs);
    return { ticket: this.localView((await outbox.byId(this.db, id))!), created: true };
  }

  async forRequester(protocol: string, userCode: string): Promise<BackendTicketView | null> {
    const found = await this.resolve(protocol);
    if (found.kind === "none") return null;
    if (found.kind === "local") {
      if (found.row.requesterCode !== userCode) return null;
      if (found.row.state === "pending") return this.localView(found.row);
      const t = await this.client.getTicket(found.row.glpiId!, this.readOptions());
      return t ? this.glpiView(found.row, t) : null;
    }
    // A ticket opened in GLPI itself: the caller must be its requester there.
    const requester = await this.directory.requester(userCode);
    if (!requester?.glpiId) return null;
    const result = await this.client.search(
      "Ticket",
      {
        criteria: [
          { field: TICKET_FIELD.id, searchtype: "equals", value: found.glpiId },
          { link: "AND", field: TICKET_FIELD.requester, searchtype: "equals", value: requester.glpiId },
        ],
        forcedisplay: SEARCH_COLUMNS,
        range: [0, 0],
      },
      this.readOptions(),
    );
    const hit = result.data?.[0];
    return hit ? this.searchView(hit, null, requester) : null;
  }

  /**
   * GLPI's search and the outbox, filtered by one resolved query (list-query.ts). Tickets still in
   * the outbox are the newest: they lead "newest" and close "oldest"; with no priority yet they
   * follow GLPI's in "priority". A filter GLPI cannot express (assignee, a service without a GLPI
   * category) is refused, never dropped.
   */
  async list(filter: TicketFilter): Promise<{ tickets: BackendTicketView[]; total: number }> {
    const query = await resolveListQuery(filter, this.directory);
    const waiting = includesWaiting(query) ? outboxFilter(query) : null;
    const criteria = glpiCriteria(query, (d) => this.glpiDateText(d));
    const fromOutbox = async (start: number, count: number) => {
      if (!waiting) return { tickets: [], total: 0 };
      const { rows, total } = await outbox.pending(this.db, { ...waiting, limit: count, offset: start });
      return { tickets: rows.map((r) => this.localView(r)), total };
    };
    const fromGlpi = async (start: number, count: number) => (criteria ? this.searchPage(criteria, glpiOrder(query.sort), start, count) : { tickets: [], total: 0 });
    const [first, second] = query.sort === "newest" ? [fromOutbox, fromGlpi] : [fromGlpi, fromOutbox];
    const a = await first(filter.offset, filter.limit);
    const b = await second(Math.max(0, filter.offset - a.total), filter.limit - a.tickets.length);
    return { tickets: [...a.tickets, ...b.tickets], total: a.total + b.total };
  }

  /** One page of search/Ticket (count 0: only the total), tickets opened through us shown from our ledger. */
  private async searchPage(criteria: Criterion[], order: Pick<SearchQuery, "sort" | "order">, start: number, count: number): Promise<{ tickets: BackendTicketView[]; total: number }> {
    const ask = (range: [number, number]) => this.client.search("Ticket", { criteria, forcedisplay: SEARCH_COLUMNS, ...order, range }, this.readOptions());
    let result;
    try {
      result = await ask(count > 0 ? [start, start + count - 1] : [0, 0]);
    } catch (err) {
      // A page past the end: GLPI refuses the range (reference §6), the total is still wanted.
      if (!(err instanceof GlpiApiError && err.code === "ERROR_RANGE_EXCEED_TOTAL")) throw err;
      return { tickets: [], total: (await ask([0, 0])).totalcount };
    }
    const tickets: BackendTicketView[] = [];
    if (count > 0) {
      const rows = result.data ?? [];
      const ledger = await outbox.byGlpiIds(this.db, rows.map((r) => Number(r[String(TICKET_FIELD.id)])));
      for (const r of rows) tickets.push(await this.searchView(r, ledger.get(Number(r[String(TICKET_FIELD.id)])) ?? null, null));
    }
    return { tickets, total: result.totalcount };
  }

  async get(protocol: string): Promise<(TicketDetail & { ticket: BackendTicketView }) | null> {
    const found = await this.resolve(protocol);
    if (found.kind === "none") return null;
    if (found.kind === "local" && found.row.state === "pending") return this.detail(found.row, this.localView(found.row), null);
    const glpiId = found.kind === "local" ? found.row.glpiId! : found.glpiId;
    const t = await this.client.getTicket(glpiId, this.readOptions());
    if (!t) return null;
    if (found.kind === "local") return this.detail(found.row, this.glpiView(found.row, t), t);
    const view = await this.foreignView(t);
    // Not opened through us: GLPI's creation and, when it moved on, where it is now.
    const history = [this.entry(null, "open", null, "glpi", this.glpiDate(t.date))];
    if (view.status !== "open") history.push(this.entry("open", view.status, null, "glpi", this.glpiDate(t.date_mod)));
    return { ticket: view, history, attachments: [] };
  }

  async changeStatus(protocol: string, raw: StatusChange, actor: Actor, now: Date): Promise<TicketDetail & { ticket: BackendTicketView }> {
    const change = parseInput(statusChangeSchema, raw);
    const found = await this.resolve(protocol);
    if (found.kind === "none") throw new NotFoundError("not_found", `no ticket ${protocol}`);
    if (found.kind === "local" && found.row.state === "pending") {
      throw new ConflictError("not_in_glpi_yet", "the ticket is still waiting to be created in GLPI; change it there once it exists", "status");
    }
    const glpiId = found.kind === "local" ? found.row.glpiId! : found.glpiId;
    const current = await this.client.getTicket(glpiId, this.readOptions());
    if (!current) throw new NotFoundError("not_found", `no ticket ${protocol}`);
    const from = fromGlpiStatus(current.status) ?? "open";
    if (!TRANSITIONS[from].includes(change.status)) {
      throw new ConflictError("invalid_transition", `a ticket cannot go from ${from} to ${change.status}`, "status");
    }
    const note = change.note ? change.note : null;
    // The note first: GLPI refuses follow-ups on a closed ticket.
    if (note) {
      await this.client.addFollowup(glpiId, message("glpi-followup-status", { note }), { requestTypeId: await this.phoneRequestType(), ...this.readOptions() });
    }
    await this.client.updateTicket(glpiId, { status: toGlpiStatus(change.status) }, this.readOptions());
    await this.db.transaction(async (tx) => {
      if (found.kind === "local") await outbox.addEvent(tx, found.row.id, { from, to: change.status, note, actor: actor.client, at: now });
      await writeAudit(tx, actor, now, {
        action: "ticket.status",
        entity: "ticket",
        entityId: String(glpiId),
        details: { from, to: change.status, note, backend: "glpi" },
      });
    });
    return (await this.get(String(glpiId)))!;
  }

  async attach(protocol: string, raw: AttachmentFile, actor: Actor, now: Date): Promise<TicketAttachment> {
    const file = parseInput(attachmentFileSchema, raw);
    const found = await this.resolve(protocol);
    // Only tickets opened through us: their attachments wait with them in the outbox.
    if (found.kind !== "local") throw new NotFoundError("not_found", `no ticket ${protocol} opened through the IVR`);
    const row = found.row;
    const data = new Uint8Array(file.data);
    const id = await this.db.transaction(async (tx) => {
      const attId = await outbox.insertAttachment(
        tx,
        {
          ticketId: row.id,
          marker: `${row.marker}-att-${randomBytes(4).toString("hex")}`,
          name: file.name,
          contentType: file.contentType,
          sha256: createHash("sha256").update(data).digest("hex"),
          actor: actor.client,
          data,
        },
        this.lease(),
        now,
      );
      await writeAudit(tx, actor, now, {
        action: "ticket.attach",
        entity: "ticket",
        entityId: row.glpiId === null ? pendingProtocol(row.id) : String(row.glpiId),
        details: { attachment: attId, name: file.name, contentType: file.contentType, size: data.byteLength, backend: "glpi" },
      });
      return attId;
    });
    const att = (await outbox.attachment(this.db, id))!;
    if (row.state === "created") {
      await this.within(this.track(this.deliverAttachment(att, row.glpiId!)), this.options.answerWithinMs);
    } else {
      // The ticket is not in GLPI yet: the worker uploads it right after creating the ticket.
      await outbox.attachmentFailed(this.db, id, { uncertain: false, error: "waiting for the ticket", nextAttemptAt: now }, this.clock());
    }
    return this.attachmentView(att);
  }

  async readAttachment(protocol: string, attachmentId: string): Promise<{ attachment: TicketAttachment; data: Uint8Array } | null> {
    if (!/^[0-9]{1,18}$/.test(attachmentId)) return null;
    const found = await this.resolve(protocol);
    if (found.kind !== "local") return null;
    const hit = await outbox.attachmentData(this.db, found.row.id, Number(attachmentId));
    return hit ? { attachment: this.attachmentView(hit.attachment), data: hit.data } : null;
  }

  /** The store calls this on close: the worker stops and the GLPI session ends. */
  close(): Promise<void> {
    return this.stop();
  }

  // ── the outbox worker ───────────────────────────────────────────────────────

  /**
   * Starts looking for due tickets every pollMs (and at once), and resolves the Phone request type
   * now (GLPI_REQUEST_TYPE_ID, else the one named "Phone", else 3) so the first call does not wait
   * for that look-up; if GLPI does not answer now, the first ticket asks again.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.phoneRequestType().then(
      (id) => this.log.info({ requestTypeId: id }, "GLPI request type of phone tickets"),
      (err: unknown) => this.log.warn({ err: describe(err) }, "GLPI did not answer the request type look-up at start; asking again with the first ticket"),
    );
    this.kick();
  }

  /** Stops the worker, waits (up to graceMs) for attempts in flight, and ends the GLPI session. */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const pending = [...this.inFlight, ...(this.pass ? [this.pass] : [])];
    await withDeadline(graceMs, () => Promise.allSettled(pending), { timers: this.timers }).catch(() => this.log.warn("GLPI attempts still in flight at shutdown"));
    await this.client.killSession();
  }

  /** One pass over what is due now: tickets, then attachments of created tickets. Stops at the first failure. */
  async flush(): Promise<{ created: number; uploaded: number; failed: number }> {
    const counts = { created: 0, uploaded: 0, failed: 0 };
    for (;;) {
      const ids = await outbox.due(this.db, this.clock(), 10);
      if (ids.length === 0) break;
      let progress = false;
      for (const id of ids) {
        if (!(await outbox.claim(this.db, id, this.lease(), this.clock()))) continue;
        const row = (await outbox.byId(this.db, id))!;
        if (await this.track(this.deliverTicket(row))) {
          counts.created += 1;
          progress = true;
        } else {
          counts.failed += 1;
          return counts; // GLPI is failing: the rest wait for their own next attempt
        }
      }
      if (!progress) break;
    }
    for (;;) {
      const ids = await outbox.dueAttachments(this.db, this.clock(), 10);
      if (ids.length === 0) break;
      let progress = false;
      for (const id of ids) {
        if (!(await outbox.claimAttachment(this.db, id, this.lease(), this.clock()))) continue;
        const att = (await outbox.attachment(this.db, id))!;
        const ticket = (await outbox.byId(this.db, att.ticketId))!;
        if (await this.track(this.deliverAttachment(att, ticket.glpiId!))) {
          counts.uploaded += 1;
          progress = true;
        } else {
          counts.failed += 1;
          return counts;
        }
      }
      if (!progress) break;
    }
    return counts;
  }

  /** Runs a pass now (or right after the one running), then keeps the poll going. */
  kick(): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.pass = this.flush()
      .then((c) => {
        if (c.created + c.uploaded > 0) this.log.info(c, "GLPI outbox pass");
      })
      .catch((err: unknown) => this.log.error({ err: (err as Error).message }, "GLPI outbox pass failed"))
      .finally(() => {
        this.pass = null;
        if (!this.running) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.timer = this.timers.setTimeout(() => {
            this.timer = null;
            this.kick();
          }, this.pollMs);
        }
      });
  }

  /** Waiting tickets and attachments, for `ura doctor` and health. */
  backlog(): Promise<{ pending: number; oldest: Date | null; attachments: number }> {
    return outbox.backlog(this.db);
  }

  // ── attempts ────────────────────────────────────────────────────────────────

  /** One attempt at a ticket the caller holds the lease of; true when GLPI has it. Never throws. */
  private async deliverTicket(row: OutboxTicket): Promise<boolean> {
    let creating = false;
    try {
      let glpiId: number | null = null;
      if (row.uncertain) {
        // An earlier attempt may have created it: look before creating again.
        const found = await this.client.ticketsWithMarker(row.marker, { timeoutMs: this.requestTimeoutMs });
        if (found.length > 1) this.log.error({ ticket: row.id, glpiIds: found }, "GLPI holds this ticket more than once; keeping the first");
        glpiId = found[0] ?? null;
        if (glpiId !== null) this.log.info({ ticket: row.id, glpiId }, "found in GLPI after an unknown outcome");
      }
      if (glpiId === null) {
        const requestType = await this.phoneRequestType();
        creating = true;
        glpiId = await this.client.createTicket({ ...row.payload, requesttypes_id: requestType }, { timeoutMs: this.requestTimeoutMs });
      }
      if (await outbox.created(this.db, row.id, glpiId, this.clock())) {
        this.log.info({ ticket: row.id, glpiId, attempts: row.attempts }, "ticket created in GLPI");
        this.notify(row, glpiId);
      }
      // GLPI answers: whatever else waits can go now.
      if (row.attempts === 1) this.kick();
      return true;
    } catch (err) {
      const uncertain = creating ? !certainlyNotApplied(err) : row.uncertain;
      const delay = Math.max(this.backoff(row.attempts), uncertain ? this.uncertainDelayMs : 0);
      await outbox
        .failed(this.db, row.id, { uncertain, error: describe(err), nextAttemptAt: new Date(this.clock().getTime() + delay) }, this.clock())
        .catch((dbErr: unknown) => this.log.error({ err: (dbErr as Error).message }, "could not record a failed GLPI attempt"));
      this.log.warn({ ticket: row.id, attempts: row.attempts, uncertain, retryInMs: delay, err: describe(err) }, "GLPI did not take the ticket; it waits in the outbox");
      return false;
    }
  }

  private async deliverAttachment(att: OutboxAttachment, glpiId: number): Promise<boolean> {
    let uploading = false;
    try {
      let docId: number | null = null;
      if (att.uncertain) {
        const docs = await this.client.ticketDocuments(glpiId, { timeoutMs: this.requestTimeoutMs });
        docId = docs.find((d) => d.name.includes(att.marker))?.id ?? null;
      }
      if (docId === null) {
        uploading = true;
        const bytes = (await outbox.attachmentData(this.db, att.ticketId, att.id))!.data;
        docId = await this.client.uploadDocument(
          glpiId,
          { name: `${att.name} [${att.marker}]`, fileName: att.name, contentType: att.contentType, data: bytes },
          { timeoutMs: this.requestTimeoutMs },
        );
      }
      await outbox.attachmentSent(this.db, att.id, docId, this.clock());
      return true;
    } catch (err) {
      const uncertain = uploading ? !certainlyNotApplied(err) : att.uncertain;
      const delay = Math.max(this.backoff(att.attempts), uncertain ? this.uncertainDelayMs : 0);
      await outbox
        .attachmentFailed(this.db, att.id, { uncertain, error: describe(err), nextAttemptAt: new Date(this.clock().getTime() + delay) }, this.clock())
        .catch((dbErr: unknown) => this.log.error({ err: (dbErr as Error).message }, "could not record a failed GLPI upload"));
      this.log.warn({ attachment: att.id, attempts: att.attempts, err: describe(err) }, "GLPI did not take the attachment; it waits in the outbox");
      return false;
    }
  }

  private notify(row: OutboxTicket, glpiId: number): void {
    this.options.notifier?.ticketOpened({
      key: `glpi:${glpiId}`,
      backend: "glpi",
      protocol: String(glpiId),
      service: { id: row.serviceId, label: row.serviceLabel, path: row.servicePath },
      requester: { code: row.requesterCode, name: row.requesterName, department: row.notice.department },
      callerNumber: row.notice.callerNumber,
      source: row.source,
      url: this.client.ticketUrl(glpiId),
      openedAt: row.createdAt.toISOString(),
    });
  }

  // ── views ───────────────────────────────────────────────────────────────────

  /** A ticket as our ledger knows it: GLPI's id once created (status as at creation), else the waiting number. */
  private localView(row: OutboxTicket): BackendTicketView {
    const created = row.state === "created";
    return {
      protocol: created ? String(row.glpiId) : pendingProtocol(row.id),
      status: "open",
      service: { id: row.serviceId, label: row.serviceLabel, path: row.servicePath },
      requester: { code: row.requesterCode, name: row.requesterName },
      description: row.description,
      source: row.source,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      updatedAtLocal: formatLocal(row.updatedAt, this.options.timeZone),
      // The call that opened it: the IVR attaches that call's voice description by it.
      callId: row.callId,
      // Work on it happens in GLPI: the console links there (a waiting ticket has no page yet).
      ...(created ? { link: this.client.ticketUrl(row.glpiId!) } : { pending: true }),
    };
  }

  /** A ticket opened through us, with GLPI's current status and last update. */
  private glpiView(row: OutboxTicket, t: { status: number; priority: number | null; date_mod: string }): BackendTicketView {
    const updated = this.glpiDate(t.date_mod);
    return {
      ...this.localView(row),
      status: fromGlpiStatus(t.status) ?? "open",
      ...withPriority(t.priority),
      updatedAt: updated.toISOString(),
      updatedAtLocal: formatLocal(updated, this.options.timeZone),
    };
  }

  /** A ticket opened in GLPI itself (read with GET /Ticket/:id). */
  private async foreignView(t: GlpiTicketRow): Promise<BackendTicketView> {
    const service = t.itilcategories_id ? await this.directory.serviceForCategory(t.itilcategories_id) : null;
    const updated = this.glpiDate(t.date_mod);
    return {
      protocol: String(t.id),
      status: fromGlpiStatus(t.status) ?? "open",
      ...withPriority(t.priority),
      service: service ? { id: service.id, label: service.label, path: service.path } : { id: 0, label: t.name, path: t.name },
      requester: { code: "", name: "" },
      description: htmlToText(t.content).slice(0, 4000) || null,
      source: t.requesttypes_id === (await this.phoneRequestType().catch(() => DEFAULT_PHONE_REQUEST_TYPE)) ? "phone" : "web",
      createdAt: this.glpiDate(t.date).toISOString(),
      updatedAt: updated.toISOString(),
      updatedAtLocal: formatLocal(updated, this.options.timeZone),
      link: this.client.ticketUrl(t.id),
    };
  }

  /** A search row (SEARCH_COLUMNS); the ledger row or the known requester fill in what GLPI shows as text. */
  private async searchView(r: Record<string, unknown>, row: OutboxTicket | null, requester: Requester | null): Promise<BackendTicketView> {
    const col = (f: number) => r[String(f)];
    const updated = this.glpiDate(String(col(TICKET_FIELD.updatedAt) ?? ""));
    const base = {
      status: fromGlpiStatus(col(TICKET_FIELD.status)) ?? "open",
      ...withPriority(col(TICKET_FIELD.priority)),
      updatedAt: updated.toISOString(),
      updatedAtLocal: formatLocal(updated, this.options.timeZone),
    };
    if (row) return { ...this.localView(row), ...base };
    const category = String(col(TICKET_FIELD.category) ?? "");
    const name = String(col(TICKET_FIELD.name) ?? "");
    const requesterText = col(TICKET_FIELD.requester);
    return {
      protocol: String(col(TICKET_FIELD.id)),
      service: { id: 0, label: category.split(" > ").pop() || name, path: category || name },
      requester: requester ? { code: requester.code, name: requester.name } : { code: "", name: Array.isArray(requesterText) ? requesterText.join(", ") : String(requesterText ?? "") },
      description: htmlToText(String(col(TICKET_FIELD.content) ?? "")).slice(0, 4000) || null,
      source: "web",
      createdAt: this.glpiDate(String(col(TICKET_FIELD.openedAt) ?? "")).toISOString(),
      link: this.client.ticketUrl(Number(col(TICKET_FIELD.id))),
      ...base,
    };
  }

  /**
   * A ticket opened through us, with its history: the opening, the changes made through the port,
   * and one last entry when GLPI's status moved on without us (a technician in GLPI).
   */
  private async detail(row: OutboxTicket, view: BackendTicketView, t: { status: number; date_mod: string } | null): Promise<TicketDetail & { ticket: BackendTicketView }> {
    const history = [this.entry(null, "open", null, "ura", row.createdAt)];
    let last: TicketStatus = "open";
    for (const e of await outbox.events(this.db, row.id)) {
      history.push(this.entry(e.from as TicketStatus | null, e.to as TicketStatus, e.note, e.actor, e.at));
      last = e.to as TicketStatus;
    }
    if (t && view.status !== last) history.push(this.entry(last, view.status, null, "glpi", this.glpiDate(t.date_mod)));
    const attachments = (await outbox.attachments(this.db, row.id)).map((a) => this.attachmentView(a));
    return { ticket: view, history, attachments };
  }

  private attachmentView(a: OutboxAttachment): TicketAttachment {
    return {
      id: String(a.id),
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      sha256: a.sha256,
      actor: a.actor,
      createdAt: a.createdAt.toISOString(),
      createdAtLocal: formatLocal(a.createdAt, this.options.timeZone),
    };
  }

  /** GLPI_REQUEST_TYPE_ID, else the request type named "Phone" (asked once GLPI answers), else 3. */
  private phoneRequestType(): Promise<number> {
    if (this.options.requestTypeId !== null) return Promise.resolve(this.options.requestTypeId);
    this.requestType ??= this.client.requestTypeId("Phone", { timeoutMs: this.requestTimeoutMs }).then(
      (id) => {
        if (id === null) this.log.warn(`GLPI has no request type named "Phone"; using ${DEFAULT_PHONE_REQUEST_TYPE} (set GLPI_REQUEST_TYPE_ID)`);
        return id ?? DEFAULT_PHONE_REQUEST_TYPE;
      },
      (err: unknown) => {
        this.requestType = null; // ask again next time
        throw err;
      },
    );
    return this.requestType;
  }

  private entry(from: TicketStatus | null, to: TicketStatus, note: string | null, actor: string, at: Date): TicketHistoryEntry {
    return { from, to, note, actor, at: at.toISOString(), atLocal: formatLocal(at, this.options.timeZone) };
  }

  // ── helpers ─────────────────────────────────────────────────────────────────

  /** A protocol as the caller or a technician gives it: our waiting number ("0…") or GLPI's id. */
  private async resolve(protocol: string): Promise<{ kind: "none" } | { kind: "local"; row: OutboxTicket } | { kind: "glpi"; glpiId: number }> {
    if (!/^[0-9]{1,12}$/.test(protocol)) return { kind: "none" };
    const n = Number(protocol);
    if (n === 0) return { kind: "none" };
    if (protocol.startsWith(PENDING_PREFIX)) {
      const row = await outbox.byId(this.db, n);
      return row ? { kind: "local", row } : { kind: "none" };
    }
    const row = await outbox.byGlpiId(this.db, n);
    return row ? { kind: "local", row } : { kind: "glpi", glpiId: n };
  }

  private sameRequester(row: OutboxTicket, userCode: string): OutboxTicket {
    if (row.requesterCode !== userCode) {
      throw new ConflictError("call_conflict", "this call id already opened a ticket for another user", "callId");
    }
    return row;
  }

  private ticketInput(
    requester: Requester,
    service: ServiceEntry,
    facts: { source: "phone" | "web" | "api"; description: string | null; callerNumber: string | null; identifiedBy: "extension" | "code" | "otp" | null; openedAt: Date; marker: string },
  ): Record<string, unknown> {
    return {
      name: ticketName(service.path),
      // When the call opened it, not when the outbox delivered it: a ticket opened at 23:59 while
      // GLPI was down is still that day's, in GLPI and in "opened since" searches (the wallboard's today).
      date: this.glpiDateText(facts.openedAt),
      content: ticketContent(
        {
          source: facts.source,
          requester: { code: requester.code, name: requester.name, department: requester.department },
          callerNumber: facts.callerNumber,
          identifiedBy: facts.identifiedBy,
          servicePath: service.path,
          description: facts.description,
          openedAt: facts.openedAt,
          marker: facts.marker,
        },
        this.options.timeZone,
      ),
      ...(service.glpiCategoryId !== null ? { itilcategories_id: service.glpiCategoryId } : {}),
      ...(requester.glpiId !== null ? { _users_id_requester: requester.glpiId } : {}),
      ...(this.options.entityId !== null ? { entities_id: this.options.entityId } : {}),
    };
  }

  private lease(): Lease {
    return { owner: this.owner, until: new Date(this.clock().getTime() + this.leaseMs) };
  }

  /** The count of attempts lives in the row (it survives restarts), so the delay is computed from it. */
  private backoff(attempts: number): number {
    return backoffDelay(attempts, this.retry);
  }

  private readOptions(): { timeoutMs: number } {
    return { timeoutMs: this.options.answerWithinMs };
  }

  /** Keeps a background attempt in the set stop() waits for. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Waits for `p` at most `ms`; it goes on either way. */
  private async within(p: Promise<unknown>, ms: number): Promise<void> {
    await withDeadline(ms, () => p, { timers: this.timers }).catch(() => undefined);
  }

  /** An instant as GLPI writes its dates: `YYYY-MM-DD HH:MM:SS` in its timezone. */
  private glpiDateText(d: Date): string {
    return formatLocal(d, this.glpiTimeZone).slice(0, 19).replace("T", " ");
  }

  /** GLPI's `YYYY-MM-DD HH:MM:SS` in its timezone. */
  private glpiDate(text: string): Date {
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
    if (!m) return this.clock();
    const base = zonedTimeToUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), this.glpiTimeZone);
    return new Date(base.getTime() + Number(m[6] ?? 0) * 1000);
  }
}

/** What the caller hears for a ticket still waiting for GLPI: its local number after a 0. */
export function pendingProtocol(id: number): string {
  return `${PENDING_PREFIX}${id}`;
}

/** The columns list and status reads need from search/Ticket. */
const SEARCH_COLUMNS = [TICKET_FIELD.id, TICKET_FIELD.name, TICKET_FIELD.status, TICKET_FIELD.priority, TICKET_FIELD.openedAt, TICKET_FIELD.updatedAt, TICKET_FIELD.category, TICKET_FIELD.requester, TICKET_FIELD.content];

/** GLPI's priority as our word, left out when GLPI gave none (a waiting ticket has none either). */
function withPriority(value: unknown): { priority?: TicketPriority } {
  const priority = fromGlpiPriority(value);
  return priority ? { priority } : {};
}

function describe(err: unknown): string {
  return err instanceof GlpiApiError ? `${err.code} (HTTP ${err.status})` : describeError(err);
}


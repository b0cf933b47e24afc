import { readFile } from "node:fs/promises";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { QueueEventSource } from "../../../ami/index.js";
import { findUserByCode, ticketViewSchema, type CatalogueNode, type Clock, type Store, type TicketFilter, type TicketHistoryEntry, type TicketWork } from "../../../domain/index.js";
import { callId, errorBody, fileBytes, protocol } from "../../contract.js";
import { actorOf } from "../../context.js";
import { ApiError } from "../../errors.js";
import { consoleUsernameOf } from "../../sessions.js";
import { TEXT } from "../text.js";
import {
  assignableAccounts,
  CONSOLE_SOCKET_PATH,
  consoleOpenTicket,
  queueOptions,
  queueQuery,
  queueResponse,
  ticketPage,
  workRequest,
  type ConsoleMessage,
  type QueueOptions,
} from "./messages.js";
import { ScreenPop, type Desk } from "./screen-pop.js";

/** The signed-in console account a request comes from. */
export interface ConsoleAccount {
  username: string;
  name: string;
  /** The desk phone's extension (screen-pop with AMI). */
  extension: string | null;
}

export interface TechnicianOptions {
  store: Store;
  /** Who is signed in (the session cookie; console-auth's `request.account`); null: 401. */
  account: (request: FastifyRequest) => ConsoleAccount | null | Promise<ConsoleAccount | null>;
  /** The PBX queue's events (AMI) when ASTERISK_AMI_* are set: cards go only to the desk that rings. */
  queueEvents?: QueueEventSource | null;
  clock: Clock;
  /** Where a transferred call's recording is (MixMonitor's `<call id>.wav`); null: none for that id. Absent: none at all. */
  transferRecording?: (callId: string) => string | null;
}

const tags = ["console: technicians"];

/** A ticket's history with the display name of each console account in it (technicians read names, not ids). */
async function namedHistory(store: Store, history: TicketHistoryEntry[]): Promise<(TicketHistoryEntry & { actorName: string | null })[]> {
  const names = await store.accounts.namesOf(history.flatMap((h) => consoleUsernameOf(h.actor) ?? []));
  return history.map((h) => ({ ...h, actorName: names.get(consoleUsernameOf(h.actor) ?? "") ?? null }));
}

type LiveDesk = Desk & { raw(json: string): void };
const ACTIVE = ["open", "in_progress", "waiting"] as const;

declare module "fastify" {
  interface FastifyRequest {
    consoleAccount?: ConsoleAccount;
  }
}

/**
 * The technicians' pages on the server: the queue, a ticket with the call it came from, work on
 * it (`/api/v1/console/…`), and the live socket (`/ws/console/`) that brings new and changed
 * tickets and the incoming-call cards. Needs @fastify/websocket registered (consolePlugin does).
 * `screenPop`: the cards, shared with the wallboard's "waiting for a technician" (consolePlugin).
 */
export async function technicianRoutes(root: FastifyInstance, options: TechnicianOptions, screenPop = new ScreenPop(options.store.tickets, options.queueEvents ?? null)): Promise<void> {
  const { store } = options;
  /** Every open console, with the pre-serialised send used for broadcasts. */
  const desks = new Set<LiveDesk>();
  const text = TEXT.technicians;

  const signedIn = async (request: FastifyRequest) => {
    const account = await options.account(request);
    if (!account) throw new ApiError(401, "not_signed_in", text.notSignedIn);
    request.consoleAccount = account;
  };

  // Live: every change reaches every desk at once (the page refreshes what it shows).
  const broadcast = (message: ConsoleMessage) => {
    const json = JSON.stringify(message);
    for (const desk of desks) desk.raw(json);
  };
  const unsubscribe = store.events.subscribe((event) => {
    if (event.type === "ticket-opened") {
      broadcast({ type: "ticket_opened", ticket: event.ticket });
      // Opened on a console for a transferred call (the card's button): a technician has that caller.
      if (event.ticket.source === "web" && event.ticket.callId) screenPop.ticketOpenedFor(event.ticket.callId);
    } else if (event.type === "ticket-changed") broadcast({ type: "ticket_changed", ticket: event.ticket });
    else
      screenPop.transferred(event.transfer).catch((err: unknown) => {
        root.log.error({ err, call: event.transfer.callId }, "screen-pop card failed");
      });
  });
  root.addHook("onClose", async () => {
    unsubscribe();
    screenPop.close();
  });

  await root.register(
    async (app) => {
      const api = app.withTypeProvider<ZodTypeProvider>();
      app.addHook("onRequest", signedIn);

      api.get(
        "/queue",
        { schema: { summary: "The technicians' queue: filtered, sorted, with counts", tags, querystring: queueQuery, response: { 200: queueResponse, 401: errorBody } } },
        async (request) => {
          const q = request.query;
          const filter: TicketFilter = {
            ...(q.status === "active" ? { statuses: ACTIVE } : { status: q.status }),
            ...(q.serviceId !== undefined ? { serviceIds: leavesUnder(await store.catalogue.tree(true), q.serviceId) } : {}),
            ...(q.department !== undefined ? { department: q.department } : {}),
            ...(q.olderThanMinutes !== undefined ? { createdBefore: new Date(options.clock().getTime() - q.olderThanMinutes * 60_000) } : {}),
            ...(q.assignee === "mine" ? { assignee: request.consoleAccount!.username } : q.assignee === "nobody" ? { assignee: null } : {}),
            sort: q.sort,
            limit: q.limit,
            offset: q.offset,
          };
          // Pending callbacks are counted against the tickets' statuses in this database: with GLPI
          // the count would always be 0, so it is not given (the page says not available).
          const [page, counts, callbacksPending] = await Promise.all([
            store.tickets.list(filter),
            store.tickets.counts ? store.tickets.counts(filter) : null,
            store.tickets.kind === "builtin" ? store.callbacks.pending() : null,
          ]);
          const callbacks = await store.callbacks.forTickets(page.tickets.map((t) => t.protocol));
          const tickets = page.tickets.map((t) => ({ ...t, callback: callbacks.get(t.protocol) ?? null }));
          return { ...page, tickets, counts, callbacksPending, workHere: Boolean(store.tickets.work) };
        },
      );

      api.get(
        "/queue/options",
        { schema: { summary: "What the queue's filters offer: services and departments", tags, response: { 200: queueOptions, 401: errorBody } } },
        async () => {
          const services: QueueOptions["services"] = [];
          const walk = (nodes: CatalogueNode[], path: string[]) => {
            for (const n of nodes) {
              const here = [...path, n.label];
              services.push({ id: n.id, path: here.join(" > "), leaf: n.children.length === 0 });
              walk(n.children, here);
            }
          };
          walk(await store.catalogue.tree(), []);
          return { services, departments: await store.users.departments() };
        },
      );

      api.get(
        "/tickets/:protocol",
        {
          schema: {
            summary: "A ticket with its requester, the call it came from, its history and attachments",
            tags,
            params: z.object({ protocol }),
            response: { 200: ticketPage, 401: errorBody, 404: errorBody },
          },
        },
        async (request) => {
          const detail = await store.tickets.get(request.params.protocol);
          if (!detail) throw new ApiError(404, "not_found", `no ticket ${request.params.protocol}`);
          const user = await findUserByCode(store.db, detail.ticket.requester.code);
          const record = detail.ticket.callId ? await store.calls.get(detail.ticket.callId) : null;
          const callback = (await store.callbacks.forTickets([detail.ticket.protocol])).get(detail.ticket.protocol) ?? null;
          return {
            ...detail,
            history: await namedHistory(store, detail.history),
            ticket: { ...detail.ticket, callback },
            requester: user ? { code: user.code, name: user.name, department: user.department, extensions: user.extensions } : null,
            call: record
              ? { callId: record.callId, startedAt: record.startedAt, callerNumber: record.callerNumber, identifiedBy: record.identifiedBy, outcome: record.outcome, durationMs: record.durationMs }
              : null,
            workHere: Boolean(store.tickets.work),
          };
        },
      );

      api.get(
        "/calls/:callId/recording",
        {
          schema: {
            summary: "The recording of a transferred call (MixMonitor's file named by its call id), when there is one",
            tags,
            params: z.object({ callId }),
            response: { 200: fileBytes, 401: errorBody, 404: errorBody },
          },
        },
        async (request, reply) => {
          const path = options.transferRecording?.(request.params.callId) ?? null;
          const data = path ? await readFile(path).catch(() => null) : null;
          if (!data) throw new ApiError(404, "not_found", `no recording of call ${request.params.callId}`);
          return sendFile(reply, "audio/wav", `${request.params.callId}.wav`, data);
        },
      );

      api.post(
        "/tickets/:protocol/work",
        {
          schema: {
            summary: "Take or give back a ticket, set its priority, move its status, add a note (one history entry)",
            tags,
            params: z.object({ protocol }),
            body: workRequest,
            response: { 200: ticketPage.omit({ requester: true, call: true, workHere: true }), 400: errorBody, 401: errorBody, 404: errorBody, 409: errorBody },
          },
        },
        async (request) => {
          const work = store.tickets.work;
          if (!work) throw new ApiError(409, "work_elsewhere", text.workElsewhere);
          const me = request.consoleAccount!;
          const body = request.body;
          if ([body.take, body.release, body.assignTo].filter(Boolean).length > 1) throw new ApiError(400, "validation", "take, assignTo and release: choose one", "assignTo");
          let assignee: TicketWork["assignee"] = body.take ? { username: me.username, name: me.name } : body.release ? null : undefined;
          if (body.assignTo !== undefined) {
            const other = await store.accounts.byUsername(body.assignTo);
            if (!other?.active) throw new ApiError(400, "validation", `no active console account "${body.assignTo}"`, "assignTo");
            assignee = { username: other.username, name: other.name };
          }
          const change: TicketWork = {
            ...(assignee !== undefined ? { assignee } : {}),
            ...(body.priority ? { priority: body.priority } : {}),
            ...(body.status ? { status: body.status } : {}),
            ...(body.note ? { note: body.note } : {}),
          };
          const detail = await work.call(store.tickets, request.params.protocol, change, actorOf(request), options.clock());
          return { ...detail, history: await namedHistory(store, detail.history) };
        },
      );

      api.get(
        "/technicians",
        { schema: { summary: "Who a ticket can be given to: the active console accounts", tags, response: { 200: assignableAccounts, 401: errorBody } } },
        async () => {
          const accounts = await store.accounts.list();
          return { technicians: accounts.filter((a) => a.active).map((a) => ({ username: a.username, name: a.name, extension: a.extension })) };
        },
      );

      api.get(
        "/tickets/:protocol/attachments/:attachmentId",
        {
          schema: {
            summary: "One attachment's bytes (a voice description or a call recording plays in the page)",
            tags,
            params: z.object({ protocol, attachmentId: z.string().min(1).max(64) }),
          },
        },
        async (request, reply) => {
          const found = await store.tickets.readAttachment(request.params.protocol, request.params.attachmentId);
          if (!found) throw new ApiError(404, "not_found", `no attachment ${request.params.attachmentId} on ticket ${request.params.protocol}`);
          const { attachment, data } = found;
          // Served as what it is (audio plays in the page), never sniffed into something else.
          return reply
            .type(attachment.contentType)
            .header("x-content-type-options", "nosniff")
            .header("cache-control", "private, no-store")
            .header("content-disposition", `inline; filename*=UTF-8''${encodeURIComponent(attachment.name)}`)
            .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        },
      );

      api.post(
        "/tickets",
        {
          schema: {
            summary: "Open a ticket for a caller (the screen-pop's button): linked to their call when callId is given",
            tags,
            body: consoleOpenTicket,
            response: { 201: ticketViewSchema, 400: errorBody, 401: errorBody, 404: errorBody, 409: errorBody },
          },
        },
        async (request, reply) => {
          const { ticket } = await store.tickets.open({ ...request.body, source: "web" }, actorOf(request), options.clock());
          return reply.code(201).send(ticket);
        },
      );
    },
    { prefix: "/api/v1/console" },
  );

  root.get(CONSOLE_SOCKET_PATH, { websocket: true, logLevel: "warn", preValidation: signedIn }, (socket, request) => {
    const account = request.consoleAccount!;
    const send = (message: ConsoleMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const desk: LiveDesk = {
      username: account.username,
      extension: account.extension,
      send,
      raw: (json) => {
        if (socket.readyState === socket.OPEN) socket.send(json);
      },
    };
    desks.add(desk);
    const cards = screenPop.join(desk);
    send({ type: "hello", account, cards, ami: screenPop.withAmi });
    const leave = () => {
      desks.delete(desk);
      screenPop.leave(desk);
    };
    socket.on("close", leave);
    socket.on("error", leave);
    // The page only listens; anything it sends is ignored.
    socket.on("message", () => undefined);
  });
}

/** The leaves under a catalogue node (itself when it is one); inactive options too, for old tickets. */
function leavesUnder(tree: CatalogueNode[], id: number): number[] {
  const find = (nodes: CatalogueNode[]): CatalogueNode | null => {
    for (const n of nodes) {
      if (n.id === id) return n;
      const inner = find(n.children);
      if (inner) return inner;
    }
    return null;
  };
  const node = find(tree);
  if (!node) return [];
  const leaves: number[] = [];
  const walk = (n: CatalogueNode) => (n.children.length === 0 ? leaves.push(n.id) : n.children.forEach(walk));
  walk(node);
  return leaves;
}

/** A recording, played by the browser as what it is; never cached by a shared cache (personal data). */
function sendFile(reply: FastifyReply, contentType: string, name: string, data: Buffer): FastifyReply {
  return reply
    .header("content-type", contentType)
    .header("content-disposition", `inline; filename="${name.replace(/[^\w.-]/g, "_")}"`)
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "private, no-store")
    .send(data);
}

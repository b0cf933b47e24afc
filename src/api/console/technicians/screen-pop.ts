import { callIdOf, type QueueEvent, type QueueEventSource } from "../../../ami/index.js";
import type { TicketBackend, TransferRecord } from "../../../domain/index.js";
import { createEventBus, type EventSource } from "../../../shared/event-bus.js";
import type { CallCard } from "./messages.js";

/** A signed-in technician's desk, as the screen-pop addresses it. */
export interface Desk {
  username: string;
  /** The desk phone's extension (the account's): with AMI, a card goes to the desk whose phone rings. */
  extension: string | null;
  send(message: { type: "call_card"; card: CallCard } | { type: "call_card_gone"; callId: string }): void;
}

/** A transfer is forgotten this long after it was recorded (a call does not wait in a queue for hours). */
const CARD_LIFETIME_MS = 30 * 60_000;

/**
 * Without AMI nothing tells us when a technician picks up or the caller gives up, so the wallboard
 * counts a transferred call as waiting for this long after the transfer (or until a ticket is
 * opened from its card): about what a caller waits in a small help desk's queue before someone
 * answers or they hang up (docs/console.md).
 */
export const WAITING_WITHOUT_AMI_MS = 5 * 60_000;

/** The wallboard's "waiting for a technician": transferred calls not answered yet, and how we know. */
export interface WaitingCalls {
  count: number;
  /** "ami": the queue's events say answered or gone; "recent-transfers": without AMI, transfers of the last `windowMinutes`. */
  basis: "ami" | "recent-transfers";
  windowMinutes: number | null;
}

interface Tracked {
  card: Omit<CallCard, "state">;
  /** Without AMI: every desk. With AMI: the desks whose phones rang, and the state of each. */
  shownTo: Map<Desk, CallCard["state"]>;
  /** When we heard of the transfer (this.now()). */
  at: number;
  expiresAt: number;
  /** AgentConnect: a technician took it (whether or not their console is open). */
  answered: boolean;
}

/**
 * The incoming-call cards. Without AMI every signed-in desk gets each transfer's card ("waiting").
 * With AMI (queue events) the card goes only to the desk whose phone rings (AgentCalled matched to
 * the account's extension), becomes "answered" there on AgentConnect (and leaves the other desks
 * that rang), and leaves every desk when the caller abandons or hangs up.
 */
export class ScreenPop {
  private readonly calls = new Map<string, Tracked>();
  private readonly desks = new Set<Desk>();
  private readonly unsubscribe: (() => void) | null;
  private readonly bus = createEventBus<{ type: "waiting-changed" }>();
  /** Without AMI: ends each transfer's waiting window, so the count drops when it should. */
  private readonly windowTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly tickets: TicketBackend,
    private readonly queue: QueueEventSource | null,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = queue ? queue.subscribe((event) => this.onQueueEvent(event)) : null;
  }

  get withAmi(): boolean {
    return this.queue !== null;
  }

  /** The count of waiting calls may have changed (a transfer, an answer, an abandon, a window ending). */
  get changes(): EventSource<{ type: "waiting-changed" }> {
    return this.bus;
  }

  /** Transferred calls no technician has answered yet (see WAITING_WITHOUT_AMI_MS for how without AMI). */
  waiting(): WaitingCalls {
    this.expire();
    let count = 0;
    const since = this.now() - WAITING_WITHOUT_AMI_MS;
    for (const tracked of this.calls.values()) {
      if (!tracked.answered && (this.withAmi || tracked.at > since)) count += 1;
    }
    return this.withAmi ? { count, basis: "ami", windowMinutes: null } : { count, basis: "recent-transfers", windowMinutes: WAITING_WITHOUT_AMI_MS / 60_000 };
  }

  /** A desk signs in (opens the console): returns the cards it should see now. */
  join(desk: Desk): CallCard[] {
    this.desks.add(desk);
    this.expire();
    const cards: CallCard[] = [];
    for (const tracked of this.calls.values()) {
      if (!this.withAmi) {
        tracked.shownTo.set(desk, "waiting");
        cards.push({ ...tracked.card, state: "waiting" });
        continue;
      }
      // A desk reopened while its phone rings or it talks to the caller gets its card back.
      for (const [other, state] of tracked.shownTo) {
        if (other.username === desk.username) {
          tracked.shownTo.set(desk, state);
          cards.push({ ...tracked.card, state });
          break;
        }
      }
    }
    return cards;
  }

  leave(desk: Desk): void {
    this.desks.delete(desk);
    for (const tracked of this.calls.values()) tracked.shownTo.delete(desk);
  }

  /** The IVR handed a call to the queue. */
  async transferred(transfer: TransferRecord): Promise<void> {
    const card = await this.cardFor(transfer);
    const tracked: Tracked = { card, shownTo: new Map(), at: this.now(), expiresAt: this.now() + CARD_LIFETIME_MS, answered: false };
    this.calls.set(transfer.callId, tracked);
    this.expire();
    this.bus.publish({ type: "waiting-changed" });
    if (this.withAmi) return; // Waits for the queue to ring someone.
    const timer = setTimeout(() => {
      this.windowTimers.delete(timer);
      this.bus.publish({ type: "waiting-changed" });
    }, WAITING_WITHOUT_AMI_MS + 1);
    timer.unref();
    this.windowTimers.add(timer);
    for (const desk of this.desks) this.show(tracked, desk, "waiting");
  }

  /**
   * A technician opened a ticket from the call's card: someone is talking to that caller, so the
   * call no longer waits (without AMI, the only sign of an answer we get). The card stays.
   */
  ticketOpenedFor(callId: string): void {
    const tracked = this.calls.get(callId);
    if (!tracked || tracked.answered) return;
    tracked.answered = true;
    this.bus.publish({ type: "waiting-changed" });
  }

  close(): void {
    this.unsubscribe?.();
    for (const timer of this.windowTimers) clearTimeout(timer);
    this.windowTimers.clear();
  }

  private onQueueEvent(event: QueueEvent): void {
    if (event.kind === "hung-up") {
      const callId = callIdOf({ uniqueId: event.uniqueId, linkedId: event.linkedId }, (id) => this.calls.has(id));
      if (callId) this.gone(callId);
      return;
    }
    const callId = callIdOf(event.call, (id) => this.calls.has(id));
    if (!callId) return;
    const tracked = this.calls.get(callId)!;
    switch (event.kind) {
      case "ringing":
        for (const desk of this.desks) if (desk.extension !== null && desk.extension === event.member.extension) this.show(tracked, desk, "ringing");
        break;
      case "not-answered":
        for (const [desk, state] of [...tracked.shownTo]) {
          if (state === "ringing" && desk.extension === event.member.extension) this.hide(tracked, desk, callId);
        }
        break;
      case "answered":
        tracked.answered = true;
        this.bus.publish({ type: "waiting-changed" });
        for (const [desk] of [...tracked.shownTo]) {
          if (desk.extension === event.member.extension) this.show(tracked, desk, "answered");
          else this.hide(tracked, desk, callId);
        }
        break;
      case "abandoned":
        this.gone(callId);
        break;
      case "completed":
        // The conversation ended: the technician keeps the card (to open a ticket from it) until
        // it expires or the console reloads; nobody else has it.
        break;
    }
  }

  private show(tracked: Tracked, desk: Desk, state: CallCard["state"]): void {
    tracked.shownTo.set(desk, state);
    desk.send({ type: "call_card", card: { ...tracked.card, state } });
  }

  private hide(tracked: Tracked, desk: Desk, callId: string): void {
    tracked.shownTo.delete(desk);
    desk.send({ type: "call_card_gone", callId });
  }

  private gone(callId: string): void {
    const tracked = this.calls.get(callId);
    if (!tracked) return;
    this.calls.delete(callId);
    for (const desk of tracked.shownTo.keys()) desk.send({ type: "call_card_gone", callId });
    this.bus.publish({ type: "waiting-changed" });
  }

  private expire(): void {
    const now = this.now();
    for (const [callId, tracked] of this.calls) if (tracked.expiresAt <= now) this.gone(callId);
  }

  private async cardFor(transfer: TransferRecord): Promise<Omit<CallCard, "state">> {
    let lastTickets: CallCard["lastTickets"] = [];
    if (transfer.user) {
      // The last three tickets tell the technician what this caller already asked for.
      const { tickets } = await this.tickets.list({ userCode: transfer.user.code, sort: "newest", limit: 3, offset: 0 });
      lastTickets = tickets.map((t) => ({ protocol: t.protocol, status: t.status, service: t.service.path, createdAt: t.createdAt }));
    }
    return {
      callId: transfer.callId,
      at: transfer.at,
      callerNumber: transfer.callerNumber,
      user: transfer.user,
      identifiedBy: transfer.identifiedBy,
      service: transfer.service,
      lastTickets,
    };
  }
}

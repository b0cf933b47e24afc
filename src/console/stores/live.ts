import { reactive, readonly } from "vue";
import { Backoff } from "../../shared/backoff";
import type { CallCard, ConsoleMessage } from "../../api/console/technicians/messages";

export type { CallCard };
export type LiveTicket = Extract<ConsoleMessage, { type: "ticket_opened" }>["ticket"];

export interface LiveState {
  connection: "connecting" | "open" | "closed";
  /** Seconds until the next reconnection attempt, while closed. */
  retryInSeconds: number;
  /** With AMI the cards come only when this desk's phone rings. */
  ami: boolean;
  /** The incoming-call cards this desk should see, newest first. */
  cards: CallCard[];
}

type TicketListener = (kind: "opened" | "changed", ticket: LiveTicket) => void;

const state = reactive<LiveState>({ connection: "connecting", retryInSeconds: 0, ami: false, cards: [] });
const listeners = new Set<TicketListener>();
const dismissed = new Set<string>();
const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
let socket: WebSocket | null = null;
let retry: ReturnType<typeof setTimeout> | null = null;
let countdown: ReturnType<typeof setInterval> | null = null;
let users = 0;

function apply(message: ConsoleMessage): void {
  switch (message.type) {
    case "hello":
      state.ami = message.ami;
      state.cards = message.cards.filter((c) => !dismissed.has(c.callId)).reverse();
      break;
    case "ticket_opened":
    case "ticket_changed":
      for (const listener of listeners) listener(message.type === "ticket_opened" ? "opened" : "changed", message.ticket);
      break;
    case "call_card": {
      if (dismissed.has(message.card.callId)) break;
      const others = state.cards.filter((c) => c.callId !== message.card.callId);
      state.cards = [message.card, ...others];
      break;
    }
    case "call_card_gone":
      state.cards = state.cards.filter((c) => c.callId !== message.callId);
      break;
  }
}

function connect(): void {
  state.connection = "connecting";
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  // The session cookie goes with the handshake (same origin): the server refuses it without one.
  const ws = new WebSocket(`${scheme}://${window.location.host}/ws/console/`);
  socket = ws;
  ws.onopen = () => {
    backoff.reset();
    state.connection = "open";
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    try {
      apply(JSON.parse(event.data) as ConsoleMessage);
    } catch {
      // Unreadable: skipped; the page reloads its data on the next change anyway.
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    state.connection = "closed";
    if (users > 0) scheduleReconnect();
  };
}

function scheduleReconnect(): void {
  const seconds = backoff.next() / 1000;
  state.retryInSeconds = seconds;
  countdown = setInterval(() => (state.retryInSeconds = Math.max(0, state.retryInSeconds - 1)), 1000);
  retry = setTimeout(() => {
    if (countdown) clearInterval(countdown);
    retry = null;
    if (users > 0) connect();
  }, seconds * 1000);
}

function stop(): void {
  if (retry) clearTimeout(retry);
  if (countdown) clearInterval(countdown);
  retry = null;
  const ws = socket;
  socket = null;
  ws?.close();
  state.cards = [];
}

/**
 * The technicians' live socket (/ws/console/), one per page however many parts use it: new and
 * changed tickets for whoever listens, and the incoming-call cards. Reconnects after 1 s, 2 s,
 * 4 s … up to 30 s. `use()` opens it (counted), the returned function closes this use.
 */
export function useLive() {
  return {
    state: readonly(state),
    use(): () => void {
      users += 1;
      if (users === 1 && !socket && !retry) connect();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        users -= 1;
        if (users === 0) stop();
      };
    },
    onTicket(listener: TicketListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Hides a card on this desk (it comes back on a reload while the caller still waits). */
    dismiss(callId: string): void {
      dismissed.add(callId);
      state.cards = state.cards.filter((c) => c.callId !== callId);
    },
  };
}

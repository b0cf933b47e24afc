import { reactive, readonly } from "vue";
import type { CallCard, ConsoleMessage } from "../../api/console/technicians/messages";
import { reconnectingSocket, type SocketStatus } from "./reconnecting-socket";

export type { CallCard };
export type LiveTicket = Extract<ConsoleMessage, { type: "ticket_opened" }>["ticket"];

export interface LiveState extends SocketStatus {
  /** With AMI the cards come only when this desk's phone rings. */
  ami: boolean;
  /** The incoming-call cards this desk should see, newest first. */
  cards: CallCard[];
}

type TicketListener = (kind: "opened" | "changed", ticket: LiveTicket) => void;

const state = reactive<LiveState>({ connection: "connecting", retryInSeconds: 0, ami: false, cards: [] });
const listeners = new Set<TicketListener>();
const dismissed = new Set<string>();
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

const socket = reconnectingSocket({
  // The session cookie goes with the handshake (same origin): the server refuses it without one.
  url: () => `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws/console/`,
  status: state,
  onMessage: (message) => apply(message as ConsoleMessage),
});

function stop(): void {
  socket.stop();
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
      if (users === 1) socket.start();
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

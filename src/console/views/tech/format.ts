import { hrefOf } from "../../router";
import { fill, text } from "../../text";

const t = text.tech;

/** "12 min", "2 h 05 min", "3 d": how long ago `iso` was, at `now`. */
export function age(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return fill(t.age.minutes, { n: minutes });
  if (minutes < 24 * 60) return fill(t.age.hours, { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, "0") });
  return fill(t.age.days, { n: Math.floor(minutes / (24 * 60)) });
}

export const statusText = (s: string) => (t.statuses as Record<string, string>)[s] ?? s;
export const priorityText = (p: string | undefined) => (p ? ((t.priorities as Record<string, string>)[p] ?? p) : "—");
export const identifiedText = (m: string | null | undefined) => (t.identifiedBy as Record<string, string>)[m ?? "none"] ?? m ?? "";
export const outcomeText = (o: string) => (t.outcomes as Record<string, string>)[o] ?? o;
export const sourceText = (s: string) => (t.sources as Record<string, string>)[s] ?? s;

/**
 * Who made a history entry: a console account's display name; for the IVR, the CLI, the system and
 * other tokens a label, else the token's name as it is.
 */
export function actorText(h: { actor: string; actorName: string | null }): string {
  if (h.actorName) return h.actorName;
  if (h.actor.startsWith("cli:")) return fill(t.ticket.cliActor, { user: h.actor.slice("cli:".length) });
  return (t.ticket.actors as Record<string, string>)[h.actor] ?? h.actor;
}

/** `#/chamado?protocolo=…` */
export const ticketHref = (protocol: string) => hrefOf("ticket", { protocolo: protocol });

/** Every status a ticket can be in, and the four priorities, in the order the page offers them. */
export const STATUSES = ["open", "in_progress", "waiting", "resolved", "closed"] as const;
export const PRIORITIES = ["critical", "high", "medium", "low"] as const;

import { randomBytes } from "node:crypto";
import { message, localParts } from "../domain/index.js";

/** What a ticket's GLPI description tells the technician (the words are in sounds/messages.pt-BR.txt). */
export interface TicketFacts {
  source: "phone" | "web" | "api";
  requester: { code: string; name: string; department: string | null };
  callerNumber: string | null;
  identifiedBy: "extension" | "code" | "otp" | null;
  servicePath: string;
  description: string | null;
  openedAt: Date;
  marker: string;
}

/**
 * The reference written into the ticket's content, by which the outbox finds a ticket GLPI may have
 * created when the answer was lost. It is the call id (one ticket per call) with the site code, in
 * characters GLPI's HTML encoding leaves alone; a ticket without a call gets a random one.
 */
export function ticketMarker(siteCode: string, callId: string | null): string {
  const site = siteCode.padStart(3, "0");
  if (callId === null) return `ura-${site}-ref-${randomBytes(8).toString("hex")}`;
  return `ura-${site}-call-${callId.replace(/[^A-Za-z0-9.-]/g, "-")}`;
}

export function ticketName(servicePath: string): string {
  return message("glpi-ticket-name", { path: servicePath }).slice(0, 250);
}

/** The ticket's content: one HTML paragraph per fact, the values escaped. */
export function ticketContent(facts: TicketFacts, timeZone: string): string {
  const lines = [
    facts.source === "phone" ? message("glpi-content-intro-phone", {}) : facts.source === "web" ? message("glpi-content-intro-web", {}) : message("glpi-content-intro-api", {}),
    message("glpi-content-requester", { name: facts.requester.name, code: facts.requester.code }),
  ];
  if (facts.requester.department) lines.push(message("glpi-content-department", { department: facts.requester.department }));
  if (facts.callerNumber) lines.push(message("glpi-content-caller", { number: facts.callerNumber }));
  if (facts.identifiedBy) lines.push(message("glpi-content-identified", { how: identifiedText(facts.identifiedBy) }));
  lines.push(message("glpi-content-service", { path: facts.servicePath }));
  lines.push(message("glpi-content-when", { when: localTime(facts.openedAt, timeZone) }));
  if (facts.description) lines.push(message("glpi-content-description", { text: facts.description }));
  lines.push(message("glpi-content-reference", { marker: facts.marker }));
  return lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n");
}

function identifiedText(how: "extension" | "code" | "otp"): string {
  switch (how) {
    case "extension":
      return message("glpi-identified-extension", {});
    case "code":
      return message("glpi-identified-code", {});
    case "otp":
      return message("glpi-identified-otp", {});
  }
}

/** `dd/mm/aaaa hh:mm` in the site's timezone. */
export function localTime(d: Date, timeZone: string): string {
  const p = localParts(d, timeZone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(p.day)}/${two(p.month)}/${p.year} ${two(p.hour)}:${two(p.minute)}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Plain text of GLPI's HTML content (follow-ups), for our views and notes. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .trim();
}

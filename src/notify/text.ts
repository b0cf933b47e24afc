import { message } from "../domain/index.js";
import type { TicketOpenedEvent } from "./port.js";

/** The notice as plain text, one fact a line (the words are in sounds/messages.pt-BR.txt). */
export function noticeText(event: TicketOpenedEvent): string {
  const lines = [
    message("notice-title", { protocol: event.protocol }),
    message("notice-service", { service: event.service.path }),
    message("notice-requester", { name: event.requester.name, code: event.requester.code }),
  ];
  if (event.requester.department) lines.push(message("notice-department", { department: event.requester.department }));
  if (event.callerNumber) lines.push(message("notice-extension", { number: event.callerNumber }));
  if (event.url) lines.push(message("notice-link", { url: event.url }));
  // Telegram takes at most 4096 characters.
  return lines.join("\n").slice(0, 4096);
}

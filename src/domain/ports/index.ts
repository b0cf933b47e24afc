/** What the domain needs from outside, as interfaces it owns; adapters implement them. */
export { SenderRejectedError, SenderUnavailableError, type MessageSender, type OutgoingMessage } from "./message-sender.js";

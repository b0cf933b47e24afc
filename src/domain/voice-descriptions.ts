import type { Actor } from "./audit.js";
import { DomainValidationError, NotFoundError } from "./errors.js";
import type { TicketAttachment, TicketBackend } from "./ports/index.js";

/**
 * The caller's voice description (issue 13): what they said after the tone, attached to the
 * ticket their call opened, under this one name, as a WAV file (8 kHz 16-bit, as Asterisk's
 * RECORD FILE writes it; browsers and GLPI play it as it is). `ura purge` finds it by this name.
 */
export const VOICE_DESCRIPTION_NAME = "descricao-por-voz.wav";
export const VOICE_DESCRIPTION_TYPE = "audio/wav";

/** RIFF....WAVE: the file is a WAV, not whatever else a client might send. */
export function isWav(data: Uint8Array): boolean {
  const text = (from: number, to: number) => String.fromCharCode(...data.subarray(from, to));
  return data.byteLength > 44 && text(0, 4) === "RIFF" && text(8, 12) === "WAVE";
}

/**
 * Attaches the voice description recorded in call `callId` to ticket `protocol`, which that same
 * call must have opened (the IVR attaches to its own call's ticket only). Idempotent: a second
 * upload for the ticket returns the first (created: false), so a retried request stores it once.
 * Goes through the TicketBackend port, so with GLPI it becomes a GLPI Document.
 */
export async function attachVoiceDescription(
  tickets: TicketBackend,
  input: { protocol: string; callId: string; audio: Uint8Array },
  actor: Actor,
  now: Date,
): Promise<{ attachment: TicketAttachment; created: boolean }> {
  if (!isWav(input.audio)) throw new DomainValidationError("body", "expected a WAV file (audio/wav, RIFF/WAVE)");
  const detail = await tickets.get(input.protocol);
  if (!detail || detail.ticket.callId !== input.callId) throw new NotFoundError("not_found", `no ticket ${input.protocol} opened by call ${input.callId}`);
  const existing = detail.attachments.find((a) => a.name === VOICE_DESCRIPTION_NAME);
  if (existing) return { attachment: existing, created: false };
  const attachment = await tickets.attach(input.protocol, { name: VOICE_DESCRIPTION_NAME, contentType: VOICE_DESCRIPTION_TYPE, data: input.audio }, actor, now);
  return { attachment, created: true };
}

/**
 * The WhatsApp ids a Brazilian number may have. Accounts created before the ninth digit still
 * live under the eight-digit form, so a mobile gets both, the current form first.
 */
export function whatsappIdCandidates(e164: string): string[] {
  const digits = e164.replace(/\D/g, "");
  const withNine = /^55(\d\d)9(\d{8})$/.exec(digits);
  if (withNine) return [`${digits}@c.us`, `55${withNine[1]}${withNine[2]}@c.us`];
  return [`${digits}@c.us`];
}

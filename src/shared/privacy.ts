/**
 * Personal data in logs (LGPD): phone numbers are masked to their country code and last four
 * digits (`+55******1234`); short internal extensions keep only their last two digits.
 */
export function maskPhone(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === "") return null;
  const plus = value.trim().startsWith("+") ? "+" : "";
  const digits = value.replace(/\D/g, "");
  if (digits.length === 0) return "***";
  if (digits.length <= 6) return `${"*".repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
  const country = plus && digits.startsWith("55") ? "55" : "";
  const hidden = digits.length - country.length - 4;
  return `${plus}${country}${"*".repeat(hidden)}${digits.slice(-4)}`;
}

/** Replaces every run of 4+ digits in free text (a message that may carry a code) by asterisks. */
export function maskDigits(text: string): string {
  return text.replace(/\d{4,}/g, (run) => "*".repeat(run.length));
}

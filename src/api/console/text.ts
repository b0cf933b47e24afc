import text from "./pt-BR.json" with { type: "json" };

/** The console's server-side texts (pt-BR, in pt-BR.json): wallboard protocol errors and the not-built page. */
export const TEXT = text;

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * PHP-style query strings (`criteria[0][field]=12`), which GLPI's search and collection endpoints
 * read. Brackets are percent-encoded; PHP decodes them the same (reference §3.5, "use curl -g or
 * URL-encode the brackets").
 */
export type QueryValue = string | number | boolean | null | undefined | QueryValue[] | { [key: string]: QueryValue };

export function phpQuery(params: Record<string, QueryValue>): string {
  const out = new URLSearchParams();
  const add = (key: string, value: QueryValue): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => add(`${key}[${i}]`, v));
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    } else {
      out.append(key, typeof value === "boolean" ? (value ? "true" : "false") : String(value));
    }
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  const text = out.toString();
  return text === "" ? "" : `?${text}`;
}

/** One search criterion: `field` is GLPI's search option id (reference §3.5, Ticket: 12 = status, 4 = requester …). */
export interface Criterion {
  field: number;
  searchtype: "contains" | "equals" | "notequals" | "lessthan" | "morethan" | "under" | "notunder";
  value: string | number;
  link?: "AND" | "OR" | "AND NOT" | "OR NOT";
}

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

export type CriterionLink = "AND" | "OR" | "AND NOT" | "OR NOT";

/** One search criterion: `field` is GLPI's search option id (reference §3.5, Ticket: 12 = status, 4 = requester …). */
export interface FieldCriterion {
  field: number;
  searchtype: "contains" | "equals" | "notequals" | "lessthan" | "morethan" | "under" | "notunder";
  value: string | number;
  link?: CriterionLink;
}

/** A bracketed group, `criteria[i][criteria][j][…]` (reference §3.5, MD:889-944): how an OR list sits inside ANDs. */
export interface CriteriaGroup {
  criteria: Criterion[];
  link?: CriterionLink;
}

export type Criterion = FieldCriterion | CriteriaGroup;

/** The criteria as GLPI's query string nests them. */
export function criteriaParams(criteria: readonly Criterion[]): QueryValue[] {
  return criteria.map((c) =>
    "criteria" in c
      ? { ...(c.link ? { link: c.link } : {}), criteria: criteriaParams(c.criteria) }
      : { ...(c.link ? { link: c.link } : {}), field: c.field, searchtype: c.searchtype, value: c.value },
  );
}

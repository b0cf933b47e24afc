import { fill, text } from "../text";
import { ApiFailure } from "./http";

/** What a refusal from the API means to the person at the desk, in pt-BR (the API's own messages are for developers). */
export function problemText(err: unknown): string {
  const p = text.problems;
  if (!(err instanceof ApiFailure)) return p.unknown;
  if (err.status === 0) return p.unreachable;
  const byCode = (p.codes as Record<string, string>)[err.error];
  if (byCode) return fill(byCode, err.line === undefined ? {} : { line: err.line });
  if (err.status === 400 && err.field) {
    const field = err.field.split(".")[0]!;
    return (p.fields as Record<string, string>)[field] ?? fill(p.validation, { field });
  }
  if (err.status === 401) return p.codes.not_signed_in;
  if (err.status === 403) return p.forbidden;
  if (err.status === 404) return p.notFound;
  return p.unknown;
}

import { z } from "zod";
import { callerKey, mobileProblem, normalizeMobile } from "./phone.js";
import { writtenUserCode } from "./rules.js";

/** What an admin may write about a user: through the API, `ura users add` and the CSV import alike. */

const trimmedOrNull = (max: number) =>
  z
    .string()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === undefined || v === null || v.trim() === "" ? null : v.trim()));

const mobile = z
  .string()
  .max(40)
  .nullable()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === null || v.trim() === "") return null;
    const problem = mobileProblem(v);
    if (problem !== null) {
      ctx.addIssue({ code: "custom", message: `not a mobile phone number (${problem}), e.g. (45) 99999-9999` });
      return z.NEVER;
    }
    return normalizeMobile(v);
  });

const extensions = z
  .array(z.string().max(40))
  .max(20)
  .transform((list, ctx) => {
    const out = new Set<string>();
    for (const item of list) {
      if (item.trim() === "") continue;
      const key = /^[\d\s()+\-./]+$/.test(item) ? callerKey(item) : null;
      if (key === null || key.replace(/\D/g, "").length < 2) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not an extension or phone number` });
        return z.NEVER;
      }
      out.add(key);
    }
    return [...out];
  });

const name = z.string().trim().min(1, "required").max(200);

/** What an admin gives to create (or, via import, replace) a user. */
export const userInputSchema = z.object({
  code: writtenUserCode,
  name,
  phone: mobile,
  extensions: extensions.default([]),
  department: trimmedOrNull(200),
  active: z.boolean().default(true),
});
export type UserInput = z.input<typeof userInputSchema>;
export type ValidUserInput = z.output<typeof userInputSchema>;

/** A partial change; `extensions` replaces the whole list when given. */
export const userPatchSchema = z.object({
  name: name.optional(),
  phone: mobile,
  extensions: extensions.optional(),
  department: trimmedOrNull(200),
  active: z.boolean().optional(),
});
export type UserPatch = z.input<typeof userPatchSchema>;

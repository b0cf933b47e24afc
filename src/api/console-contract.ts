import { z } from "zod";
import { accountCreateSchema, accountPatchSchema, accountRole, kioskCreateSchema } from "../domain/index.js";

/**
 * Shapes of the console's session route (`/api/v1/session`) and of the admin routes for accounts
 * and kiosk tokens. Request bodies are the domain's own schemas.
 */
export { accountCreateSchema as accountCreate, accountPatchSchema as accountPatch, kioskCreateSchema as kioskCreate };

export const signInBody = z.object({ username: z.string().max(200), password: z.string().max(500) });

/** Who is signed in, as the console shows it. */
export const sessionAccount = z.object({
  username: z.string(),
  name: z.string(),
  role: accountRole,
  extension: z.string().nullable(),
});
export const sessionView = z.object({
  account: sessionAccount,
  /** Send it back in the X-CSRF-Token header of every POST, PUT, PATCH and DELETE. */
  csrfToken: z.string(),
  expiresAt: z.string(),
});

export const accountView = z.object({
  username: z.string(),
  name: z.string(),
  role: accountRole,
  extension: z.string().nullable(),
  active: z.boolean(),
  lastSignInAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const accountResponse = z.object({ account: accountView });
export const accountList = z.object({ accounts: z.array(accountView) });
export const accountListQuery = z.object({ search: z.string().max(100).optional() });
export const accountParams = z.object({ username: z.string().min(1).max(64) });

export const kioskView = z.object({
  id: z.number().int(),
  name: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const kioskList = z.object({ kiosks: z.array(kioskView) });
export const kioskResponse = z.object({ kiosk: kioskView });
/** The only time the token is ever shown. */
export const kioskCreated = z.object({ kiosk: kioskView, token: z.string() });
export const kioskParams = z.object({ id: z.coerce.number().int().positive() });

import { z } from "zod";
import type { Scope } from "../auth.js";

// What the route plugins share: who may call a route (its `config`) and the empty answer.

/** `config` of a route: which token scopes let a request in (the shared access plugin checks them). */
const allow = <const S extends readonly Scope[]>(...scopes: S) => ({ scopes });

/** The IVR's routes, which a web form or kiosk may use too. */
export const IVR_OR_WEB = allow("ivr", "web");
/** Only the IVR reports calls. */
export const IVR_ONLY = allow("ivr");
export const ADMIN = allow("admin");

/** 204: no body. */
export const noContent = z.undefined().describe("no content");

/** `config` of a console route: a signed-in technician (or admin) account, by its session cookie. */
export const TECHNICIAN_ACCOUNT = { account: "technician" } as const;
/** `config` of a console route only admins' accounts may use. */
export const ADMIN_ACCOUNT = { account: "admin" } as const;

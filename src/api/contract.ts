import { z } from "zod";
import {
  callbackRequestSchema,
  callId,
  callOutcome,
  digits,
  hoursStatusSchema,
  identificationMode,
  surveyAnswerSchema,
  openTicketSchema,
  otpVerifyResultSchema,
  protocol,
  protocolGroups,
  recordCallSchema,
  recordTransferSchema,
  serviceKey,
  ticketAttachmentSchema,
  ticketStatus,
  ticketViewSchema,
  userCode,
  codeLimitScopes,
} from "../domain/index.js";

/**
 * The HTTP contract between the ticket API and its clients (the IVR, `ura call`, a web form).
 * The API validates requests with these schemas and derives its OpenAPI document from them; the
 * IVR's API client parses responses with them. Changing a shape here changes both sides at once.
 *
 * Conventions: JSON everywhere; errors are `{ error: <code>, message, field? }` with a 4xx/5xx
 * status; user codes and protocol numbers are strings of digits (a keypad is what types them);
 * instants are ISO-8601 UTC strings, with a `…Local` sibling in America/Sao_Paulo where a person
 * reads them. The rules themselves (what a user code is, the ticket statuses, what opens a ticket)
 * are the domain's, defined once there and composed here.
 */

export const API_PREFIX = "/api/v1";

export { callId, digits, protocol, protocolGroups, userCode };

export const errorBody = z.object({
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
  /** 400 on an uploaded file (`csv_quote`, `csv_encoding`): the line the problem is on. */
  line: z.number().int().optional(),
  /** 429 `rate_limited`, 423 `locked`: when the limit ends by itself (ISO 8601), and the seconds until then (also `Retry-After`). */
  until: z.string().optional(),
  retryAfterSeconds: z.number().int().optional(),
  /**
   * 423 `locked`: whose cool-down, the calling number's (`caller`) or, asked without one, the user's codes (`user`).
   * 429 `rate_limited` of POST /otp/request: whose hourly cap, the calling number's (`caller`) or the user's or their mobile's (`user`).
   */
  scope: z.enum(codeLimitScopes).optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

// ── users and identification ────────────────────────────────────────────────────────────────
export const publicUser = z.object({
  code: userCode,
  name: z.string(),
  department: z.string().nullable(),
  /** The registered mobile, masked (`+55******1234`): enough to say where a code went. */
  phoneMasked: z.string().nullable(),
});
export type PublicUser = z.infer<typeof publicUser>;

export const identifyByCodeRequest = z.object({ code: userCode });
export const identifyByCodeResponse = z.object({ user: publicUser });

export const identifyByCallerRequest = z.object({
  number: z.string().min(1).max(32),
  /**
   * The call comes from the PBX's own registered extension with this number (the IVR checks the
   * channel, not only the caller id). Absent or false: a number from outside, which the far end chose.
   */
  internal: z.boolean().optional(),
});
export const identifyByCallerResponse = z.discriminatedUnion("match", [
  /** `identification`: what the caller must still do (docs/security.md): nothing, a one-time code, or code + one-time code. */
  z.object({ match: z.literal("unique"), user: publicUser, identification: identificationMode }),
  /** `shared`: the number belongs to several users, so nobody is identified by it. */
  z.object({ match: z.enum(["none", "shared"]) }),
]);
export type CallerMatch = z.infer<typeof identifyByCallerResponse>;

// ── one-time codes ───────────────────────────────────────────────────────────────────────────
export const otpRequest = z.object({ userCode, callId: callId.optional(), callerNumber: z.string().max(32).optional() });
/** 202 when the sender accepted the message. 429 `rate_limited`, 423 `locked`, 409 `no_phone`, 503 `sender_unavailable`. */
export const otpRequestResponse = z.object({ expiresAt: z.string(), phoneMasked: z.string() });

export const otpVerifyRequest = z.object({ userCode, code: digits(1, 12) });
/** wrong: try again while attemptsLeft > 0 · expired/none: ask for a new code · locked: too many failures */
export const otpVerifyResponse = otpVerifyResultSchema;
export type OtpVerifyResult = z.infer<typeof otpVerifyResponse>;

// ── service catalogue ────────────────────────────────────────────────────────────────────────
export interface ServiceNode {
  id: number;
  /** DTMF key that picks this node inside its parent menu ("1".."9"). */
  key: string;
  label: string;
  /** What the caller hears for this option, e.g. "Sistemas, 1." (the main menu set the "<rótulo>, <tecla>." pattern). */
  prompt: string;
  children: ServiceNode[];
}
export const serviceNode: z.ZodType<ServiceNode> = z.lazy(() =>
  z.object({
    id: z.number().int(),
    key: serviceKey,
    label: z.string(),
    prompt: z.string(),
    children: z.array(serviceNode),
  }),
);
export const catalogueResponse = z.object({ services: z.array(serviceNode) });

// ── tickets ──────────────────────────────────────────────────────────────────────────────────
export { ticketStatus };
export type TicketStatus = z.infer<typeof ticketStatus>;

/** `callId` is Asterisk's agi_uniqueid: opening twice for one call returns the same ticket. */
export const openTicketRequest = openTicketSchema;
/**
 * How long the client will wait for this answer (ms). A ticket the API cannot commit within it is
 * not committed (503 deadline_passed): the IVR would already have told its caller it failed.
 */
export const BUDGET_HEADER = "x-ura-budget-ms";
/**
 * The last part of the IVR's silence budget that no request gets: after it stops waiting, the
 * prompt that says why still has to reach Asterisk, behind timers that fire late on a busy event
 * loop. The IVR waits at most (1 − this) of the budget it announces in BUDGET_HEADER.
 */
export const SPEAKING_SHARE = 0.1;
export const openTicketHeaders = z.object({ [BUDGET_HEADER]: z.coerce.number().int().min(1).max(600_000).optional() });
export type OpenTicketRequest = z.input<typeof openTicketRequest>;
export const ticketView = ticketViewSchema;
export type TicketView = z.infer<typeof ticketView>;
/** 201 for a new ticket, 200 when the call id already opened one (same body). */
export const openTicketResponse = z.object({ ticket: ticketView, created: z.boolean() });

/** GET /tickets/:protocol?userCode=… — someone else's ticket is a 404, exactly like an unknown one. */
export const ticketStatusQuery = z.object({ userCode });
export const ticketStatusResponse = z.object({ ticket: ticketView });

/**
 * PUT /tickets/:protocol/voice-description?callId=… with the WAV as the body (Content-Type
 * audio/wav): the caller's voice description, attached to the ticket that call opened. 201 stored,
 * 200 already there (same body), 404 when that call did not open that ticket.
 */
export const voiceDescriptionQuery = z.object({ callId });
/** A file's bytes as a request or answer body (a recording): in OpenAPI, a binary string. */
export const fileBytes = z.custom<Buffer>((b) => Buffer.isBuffer(b), "send the file itself (e.g. Content-Type: audio/wav)").meta({ type: "string", format: "binary" });
/** The bytes as received (Content-Type audio/wav); anything else never reaches the route as a Buffer. */
export const voiceDescriptionBody = fileBytes;
export const voiceDescriptionResponse = z.object({ attachment: ticketAttachmentSchema, created: z.boolean() });

// ── business hours ───────────────────────────────────────────────────────────────────────────
export const hoursResponse = hoursStatusSchema;
export type HoursView = z.infer<typeof hoursResponse>;

// ── calls ────────────────────────────────────────────────────────────────────────────────────
export { callOutcome };
export const recordCallRequest = recordCallSchema;
export type RecordCallRequest = z.infer<typeof recordCallRequest>;
/** 201 when the call is new, 200 when an earlier report of the same callId was updated. */
export const recordCallResponse = z.object({ callId, created: z.boolean() });

/** The IVR hands the call to the technicians' queue: the screen-pop's facts (POST /transfers). */
export const recordTransferRequest = recordTransferSchema;
export type IdentificationMethod = NonNullable<RecordTransferRequest["identifiedBy"]>;
export type RecordTransferRequest = z.infer<typeof recordTransferRequest>;
/** `callerName`: what the dialplan puts in CALLERID(name) ("Ana Souza · 1234"); null when not identified. */
export const recordTransferResponse = z.object({ callId, callerName: z.string().nullable() });

// ── satisfaction survey ──────────────────────────────────────────────────────────────────────
export const surveyRequest = surveyAnswerSchema;
export type SurveyRequest = z.infer<typeof surveyRequest>;
export const surveyResponse = z.object({ callId, created: z.boolean() });

// ── announcements (played before the main menu) ─────────────────────────────────────────────
/** `playing`: what a caller hears now, oldest first · `scheduled`: what starts later (synthesised ahead). */
export const announcementsResponse = z.object({
  playing: z.array(z.object({ id: z.number().int(), text: z.string() })),
  scheduled: z.array(z.object({ id: z.number().int(), text: z.string(), startsAt: z.string() })),
});
export type AnnouncementsView = z.infer<typeof announcementsResponse>;

// ── the names the IVR says ───────────────────────────────────────────────────────────────────
/** Names a page by default: what a node reads at once (GET /spoken-names) and what ura start reads from its store. */
export const SPOKEN_NAMES_PAGE = 500;

/**
 * GET /spoken-names: the active users' names, a page at a time, for an IVR node to synthesise
 * ahead of its calls. Names only: no code, phone or extension (docs/security.md).
 */
export const spokenNamesQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, "the `next` of the page before")
    .optional()
    .describe("the `next` of the page before; absent for the first page"),
  limit: z.coerce.number().int().min(1).max(2000).default(SPOKEN_NAMES_PAGE),
});
export const spokenNamesResponse = z.object({
  names: z.array(z.string()),
  next: z.string().nullable().describe("pass as `after` for the next page; null on the last one"),
});
export type SpokenNamesPage = z.infer<typeof spokenNamesResponse>;

// ── the information menu ─────────────────────────────────────────────────────────────────────
/**
 * What the information menu says: the weekly schedule (URA_TIMEZONE, weekday 0 = Sunday; the IVR
 * reads it with recorded fragments) and the active guidance texts by key, each with its option
 * sentence (`prompt`) and the text heard after its key.
 */
export const informationResponse = z.object({
  schedule: z.array(z.object({ weekday: z.number().int().min(0).max(6), opens: z.string(), closes: z.string() })),
  guidance: z.array(z.object({ key: serviceKey, title: z.string(), prompt: z.string(), text: z.string() })),
});
export type InformationView = z.infer<typeof informationResponse>;

// ── callback requests ──────────────────────────────────────────────────────────────────────
export const callbackRequest = callbackRequestSchema;
export type CallbackRequestBody = z.infer<typeof callbackRequest>;
/** 201 new, 200 when the same call asked again (replaced). */
export const callbackResponse = z.object({ callId, created: z.boolean() });

/** Routes the IVR uses (all under API_PREFIX, scope `ivr`). Admin routes live beside them in src/api/routes. */
export const ivrRoutes = {
  identifyByCode: "POST /identify/code",
  identifyByCaller: "POST /identify/caller",
  requestOtp: "POST /otp/request",
  verifyOtp: "POST /otp/verify",
  catalogue: "GET /catalogue",
  openTicket: "POST /tickets",
  ticketStatus: "GET /tickets/:protocol",
  attachVoiceDescription: "PUT /tickets/:protocol/voice-description",
  hours: "GET /hours",
  recordCall: "POST /calls",
  recordTransfer: "POST /transfers",
  recordSurvey: "POST /surveys",
  announcements: "GET /announcements",
  information: "GET /information",
  requestCallback: "POST /callbacks",
} as const;

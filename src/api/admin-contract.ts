import { z } from "zod";
import {
  type CatalogueNode,
  holidaySchema,
  identificationMode,
  identificationRuleInput,
  identificationRuleSchema,
  identificationScope,
  isoDate,
  scheduleSchema,
  serviceCreateSchema,
  serviceSwapSchema,
  serviceUpdateSchema,
  serviceKey,
  statusChangeSchema,
  ticketAttachmentSchema,
  ticketDetailSchema,
  ticketHistoryEntrySchema,
  ticketStatus,
  userInputSchema,
  userPatchSchema,
} from "../domain/index.js";
import { protocol, ticketView, userCode } from "./contract.js";

/**
 * Shapes of the admin routes (`/api/v1/admin/…`, scope `admin`). Request bodies are the domain's
 * own schemas, so the API and the CSV import validate users the same way.
 */
export { userInputSchema as adminUserCreate, userPatchSchema as adminUserPatch };
export { serviceCreateSchema as adminServiceCreate, serviceUpdateSchema as adminServiceUpdate };
export { scheduleSchema as adminSchedule, holidaySchema as adminHolidayBody, statusChangeSchema as adminStatusChange };

export const adminUser = z.object({
  code: userCode,
  name: z.string(),
  /** E.164; admins see it whole. */
  phone: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  department: z.string().nullable(),
  active: z.boolean(),
  extensions: z.array(z.string()),
  otpFailures: z.number().int(),
  /** A number that asked for this user's codes is cooling down after wrong ones (it ends by itself; POST …/otp-reset ends it now). */
  otpLocked: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const adminUserResponse = z.object({ user: adminUser });
export const adminUserList = z.object({ users: z.array(adminUser), total: z.number().int() });
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const userListQuery = pageQuery.extend({ search: z.string().max(100).optional(), department: z.string().max(200).optional() });
export const userCodeParams = z.object({ code: userCode });

export const importReport = z.object({
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.array(z.object({ line: z.number().int(), code: z.string().nullable(), field: z.string().nullable(), reason: z.string() })),
});
/** CSV as `text/csv`, or JSON `{ csv: "…" }`. */
export const importBody = z.union([z.string().min(1, "empty file"), z.object({ csv: z.string().min(1, "empty file") })]);

/** A catalogue node as admins see it: the domain's CatalogueNode (the IVR's ServiceNode drops parentId/active). */
export type AdminServiceNode = CatalogueNode;
export const adminServiceNode: z.ZodType<AdminServiceNode> = z.lazy(() =>
  z.object({
    id: z.number().int(),
    parentId: z.number().int().nullable(),
    key: serviceKey,
    label: z.string(),
    prompt: z.string(),
    active: z.boolean(),
    glpiCategoryId: z.number().int().nullable(),
    children: z.array(adminServiceNode),
  }),
);
export const adminCatalogue = z.object({
  services: z.array(adminServiceNode),
  /** False while a change's sentences are being synthesised: callers still hear the previous menus. */
  ready: z.boolean(),
  /** TICKET_BACKEND=glpi: each option may name the ITIL category its tickets get. */
  glpi: z.boolean(),
});
export const adminServiceSwap = serviceSwapSchema;
export const adminServiceResponse = z.object({ service: adminServiceNode });
export const serviceIdParams = z.object({ id: z.coerce.number().int().positive() });

export const scheduleResponse = z.object({
  timeZone: z.string(),
  intervals: z.array(z.object({ weekday: z.number().int(), opens: z.string(), closes: z.string() })),
});
export const holidayParams = z.object({ date: isoDate });
export const holidayView = z.object({ date: z.string(), name: z.string() });
export const holidayResponse = z.object({ holiday: holidayView });
export const holidayList = z.object({ holidays: z.array(holidayView) });
export const holidayListQuery = z.object({ from: isoDate.optional() });

export const ticketListQuery = pageQuery.extend({ status: ticketStatus.optional(), userCode: userCode.optional() });
export const ticketList = z.object({ tickets: z.array(ticketView), total: z.number().int() });
export const protocolParams = z.object({ protocol });
export const ticketHistoryEntry = ticketHistoryEntrySchema;
/** Attachments are listed without their bytes. */
export const ticketAttachment = ticketAttachmentSchema;
export const ticketDetail = ticketDetailSchema;

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  entity: z.string().max(64).optional(),
  entityId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
});
export const auditList = z.object({
  entries: z.array(
    z.object({
      id: z.number().int(),
      at: z.string(),
      client: z.string(),
      address: z.string().nullable(),
      action: z.string(),
      entity: z.string(),
      entityId: z.string().nullable(),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
});
export const purgeReport = z.object({
  calls: z.number().int(),
  audit: z.number().int(),
  otpCodes: z.number().int(),
  voiceDescriptions: z.number().int(),
  /** Files on the API host's disk: recordings of transferred calls, and voice files an IVR never sent. */
  transferRecordings: z.number().int(),
  voiceLeftovers: z.number().int(),
  callsBefore: z.string(),
  auditBefore: z.string(),
  recordingsBefore: z.string(),
});

// ── identification rules (docs/security.md) ──────────────────────────────────────────────────
export const identificationRuleParams = z.object({ scope: identificationScope, subject: z.string().min(1).max(200) });
export const identificationRuleBody = identificationRuleInput;
export const identificationRuleResponse = z.object({ rule: identificationRuleSchema });
export const identificationRuleList = z.object({
  /** What an own internal extension needs without a rule. */
  internalDefault: identificationMode,
  /** What a call from outside needs, always (not changeable: its caller id is not authenticated). */
  outside: identificationMode,
  rules: z.array(identificationRuleSchema),
});

import type { FastifyInstance } from "fastify";
import { errorBody, otpRequest, otpRequestResponse, otpVerifyRequest, otpVerifyResponse } from "../contract.js";
import type { ApiContext } from "../context.js";
import { route } from "../route.js";

const scopes = ["ivr", "web"] as const;

export async function otpRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  route(app, {
    method: "POST",
    url: "/otp/request",
    scopes,
    tags: ["one-time codes"],
    summary: "Send a one-time code to the user's registered mobile",
    body: otpRequest,
    responses: { 202: otpRequestResponse, 404: errorBody, 409: errorBody, 422: errorBody, 423: errorBody, 429: errorBody, 503: errorBody },
    async handler({ body, actor, request, reply }) {
      const sent = await ctx.store.codes.send(
        ctx.sender,
        { userCode: body.userCode, callId: body.callId ?? null, callerNumber: body.callerNumber ?? null },
        actor,
        ctx.clock(),
        { timeoutMs: ctx.settings.SENDER_TIMEOUT_MS, ...(ctx.random ? { generate: ctx.random } : {}) },
      );
      request.log.info({ user: body.userCode, to: sent.phoneMasked, driver: ctx.sender.driver }, "one-time code sent");
      reply.code(202);
      return { expiresAt: sent.expiresAt.toISOString(), phoneMasked: sent.phoneMasked };
    },
  });

  route(app, {
    method: "POST",
    url: "/otp/verify",
    scopes,
    tags: ["one-time codes"],
    summary: "Check a typed one-time code (single use; limited tries per code and per user)",
    body: otpVerifyRequest,
    responses: { 200: otpVerifyResponse, 404: errorBody },
    async handler({ body, actor, request }) {
      const result = await ctx.store.codes.verify({ userCode: body.userCode, code: body.code }, actor, ctx.clock());
      request.log.info({ user: body.userCode, ok: result.ok, reason: result.ok ? undefined : result.reason }, "one-time code checked");
      return result;
    },
  });
}

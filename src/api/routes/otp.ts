import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, otpRequest, otpRequestResponse, otpVerifyRequest, otpVerifyResponse } from "../contract.js";
import { actorOf, type ApiContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

const tags = ["one-time codes"];

export const otpRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.post(
    "/otp/request",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Send a one-time code to the user's registered mobile",
        tags,
        body: otpRequest,
        response: { 202: otpRequestResponse, 404: errorBody, 409: errorBody, 422: errorBody, 423: errorBody, 429: errorBody, 503: errorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const sent = await ctx.store.codes.send(
        ctx.sender,
        { userCode: body.userCode, callId: body.callId ?? null, callerNumber: body.callerNumber ?? null },
        actorOf(request),
        ctx.clock(),
        { timeoutMs: ctx.settings.SENDER_TIMEOUT_MS, ...(ctx.random ? { generate: ctx.random } : {}) },
      );
      request.log.info({ user: body.userCode, to: sent.phoneMasked, driver: ctx.sender.driver }, "one-time code sent");
      return reply.code(202).send({ expiresAt: sent.expiresAt.toISOString(), phoneMasked: sent.phoneMasked });
    },
  );

  app.post(
    "/otp/verify",
    {
      config: IVR_OR_WEB,
      schema: {
        summary: "Check a typed one-time code (single use; limited tries per code and per user)",
        tags,
        body: otpVerifyRequest,
        response: { 200: otpVerifyResponse, 404: errorBody },
      },
    },
    async (request) => {
      const { body } = request;
      const result = await ctx.store.codes.verify({ userCode: body.userCode, code: body.code }, actorOf(request), ctx.clock());
      request.log.info({ user: body.userCode, ok: result.ok, reason: result.ok ? undefined : result.reason }, "one-time code checked");
      return result;
    },
  );
};

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { errorBody, otpRequest, otpRequestResponse, otpVerifyRequest, otpVerifyResponse } from "../contract.js";
import { callerOf, type IvrRouteContext } from "../context.js";
import { IVR_OR_WEB } from "./shared.js";

const tags = ["one-time codes"];

export const otpRoutes: FastifyPluginAsyncZod<IvrRouteContext> = async (app, { ops }) => {
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
    async (request, reply) => reply.code(202).send(await ops.requestOtp(request.body, callerOf(request))),
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
    async (request) => ops.verifyOtp(request.body, callerOf(request)),
  );
};

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as A from "../../admin-contract.js";
import { errorBody } from "../../contract.js";
import { actorOf, type ApiContext } from "../../context.js";
import { ADMIN, noContent } from "../shared.js";

const tags = ["admin: business hours"];

/** `/admin/schedule` and `/admin/holidays`: when the help desk answers, in URA_TIMEZONE. */
export const adminHoursRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const { store } = ctx;

  app.get(
    "/schedule",
    { config: ADMIN, schema: { summary: "The weekly schedule (local time; weekday 0 = Sunday)", tags, response: { 200: A.scheduleResponse } } },
    async () => ({ timeZone: store.timeZone, intervals: await store.hours.schedule() }),
  );

  app.put(
    "/schedule",
    {
      config: ADMIN,
      schema: { summary: "Replace the weekly schedule", tags, body: A.adminSchedule, response: { 200: A.scheduleResponse, 400: errorBody } },
    },
    async (request) => ({ timeZone: store.timeZone, intervals: await store.hours.setSchedule(request.body.intervals, actorOf(request), ctx.clock()) }),
  );

  app.get(
    "/holidays",
    {
      config: ADMIN,
      schema: { summary: "Holidays (from a date on, if given)", tags, querystring: A.holidayListQuery, response: { 200: A.holidayList } },
    },
    async (request) => ({ holidays: await store.hours.holidays(request.query.from) }),
  );

  app.put(
    "/holidays/:date",
    {
      config: ADMIN,
      schema: {
        summary: "Add or rename a holiday (local date YYYY-MM-DD)",
        tags,
        params: A.holidayParams,
        body: A.adminHolidayBody,
        response: { 201: A.holidayResponse, 200: A.holidayResponse, 400: errorBody },
      },
    },
    async (request, reply) => {
      const { holiday, created } = await store.hours.putHoliday(request.params.date, request.body.name, actorOf(request), ctx.clock());
      return reply.code(created ? 201 : 200).send({ holiday });
    },
  );

  app.delete(
    "/holidays/:date",
    {
      config: ADMIN,
      schema: { summary: "Remove a holiday", tags, params: A.holidayParams, response: { 204: noContent, 404: errorBody } },
    },
    async (request, reply) => {
      await store.hours.deleteHoliday(request.params.date, actorOf(request), ctx.clock());
      return reply.code(204).send();
    },
  );
};

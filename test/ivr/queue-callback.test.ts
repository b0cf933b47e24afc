import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { queueCallbackScenarios } from "./queue-callback-scenarios.js";

describe("callback when the technicians' queue is long (AMI QueueSummary) against the real API (HTTP) on SQLite", () => {
  queueCallbackScenarios(() => realBackend("sqlite"));
});

describe("callback when the technicians' queue is long (AMI QueueSummary) against the real API (HTTP) on MariaDB", () => {
  queueCallbackScenarios(() => realBackend("mysql", { database: `ura_t_ivr_queue_${process.pid}` }));
});

import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { callScenarios } from "./scenarios.js";

describe("call scenarios against the real API in process (ura start) on MariaDB", () => {
  callScenarios(() => realBackend("mysql", { database: `ura_t_ivr_scenarios_${process.pid}` }));
});

import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { callScenarios } from "./scenarios.js";

describe("call scenarios against the real API (HTTP) on SQLite", () => {
  callScenarios(() => realBackend("sqlite"));
});

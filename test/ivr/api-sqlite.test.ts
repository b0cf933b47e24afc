import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { callScenarios } from "./scenarios.js";

describe("call scenarios against the real API in process (ura start) on SQLite", () => {
  callScenarios(() => realBackend("sqlite"));
});

describe("call scenarios against the real API over HTTP (ura ivr on its own host) on SQLite", () => {
  callScenarios(() => realBackend("sqlite", { path: "http" }));
});

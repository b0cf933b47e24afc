import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { menuScenarios } from "./menu-scenarios.js";

describe("main-menu additions (announcements, information menu, callback) against the real API in process (ura start) on SQLite", () => {
  menuScenarios(() => realBackend("sqlite"));
});

describe("main-menu additions against the real API over HTTP (ura ivr) on SQLite", () => {
  menuScenarios(() => realBackend("sqlite", { path: "http" }));
});

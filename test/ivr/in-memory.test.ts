import { describe } from "vitest";
import { fakeBackend } from "../support/scenario.js";
import { callScenarios } from "./scenarios.js";

describe("call scenarios against the in-memory API", () => {
  callScenarios(async () => fakeBackend());
});

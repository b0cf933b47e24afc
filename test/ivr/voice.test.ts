import { describe } from "vitest";
import { fakeBackend, realBackend } from "../support/scenario.js";
import { voiceScenarios } from "./voice-scenarios.js";

describe("voice description against the in-memory API", () => {
  voiceScenarios(async () => fakeBackend());
});

describe("voice description against the real API (HTTP) on SQLite", () => {
  voiceScenarios(() => realBackend("sqlite"));
});

describe("voice description against the real API (HTTP) on MariaDB", () => {
  voiceScenarios(() => realBackend("mysql", { database: `ura_t_ivr_voice_${process.pid}` }));
});

import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { menuScenarios } from "./menu-scenarios.js";

describe("main-menu additions (announcements) against the real API (HTTP) on MariaDB", () => {
  menuScenarios(() => realBackend("mysql", { database: `ura_t_ivr_menu_${process.pid}` }));
});

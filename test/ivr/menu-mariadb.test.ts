import { describe } from "vitest";
import { realBackend } from "../support/scenario.js";
import { menuScenarios } from "./menu-scenarios.js";

describe("main-menu additions (announcements, information menu, callback) against the real API in process (ura start) on MariaDB", () => {
  menuScenarios(() => realBackend("mysql", { database: `ura_t_ivr_menu_${process.pid}` }));
});

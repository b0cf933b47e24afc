// Moved to src/shared so the API and the CLI use the same timeout; the WhatsApp code keeps its import path.
export * from "../shared/timers.js";

export { createApiClient, type ApiClientOptions } from "./client.js";
export { createHeartbeatSender, fetchStatus, HeartbeatRefusedError } from "./heartbeats.js";

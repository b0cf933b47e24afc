export { createApiClient, type ApiClientOptions } from "./client.js";
export { createHeartbeatSender, fetchStatus, HeartbeatRefusedError, type HeartbeatReply } from "./heartbeats.js";

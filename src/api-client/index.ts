export { answers, createApiClient, type ApiClientOptions, type Reply } from "./client.js";
export { createHeartbeatSender, fetchStatus, HeartbeatRefusedError, type HeartbeatReply } from "./heartbeats.js";
export { createSpokenNamesReader, SPOKEN_NAMES_PAGE, type SpokenNamesSource } from "./spoken-names.js";

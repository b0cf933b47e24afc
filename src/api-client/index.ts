export { createApiClient, type ApiClientOptions } from "./client.js";

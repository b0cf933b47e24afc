/** GLPI as ticket backend: the REST client, the backend with its local outbox, the doctor check. */
export { GlpiClient, type GlpiClientOptions, type GlpiUser, type GlpiCategory, type SearchResult, type AddResult } from "./client.js";
export { GlpiApiError, GlpiUnavailableError, GlpiConfigError } from "./errors.js";
export { GlpiTicketBackend, pendingProtocol, DEFAULT_PHONE_REQUEST_TYPE, type GlpiBackendOptions, type BackendTicketView, type CallFacts } from "./ticket-backend.js";
export { sqlDirectory, type GlpiDirectory, type Requester, type ServiceEntry } from "./directory.js";
export { fromGlpiStatus, toGlpiStatus, GLPI_STATUS, TICKET_FIELD, USER_FIELD } from "./status.js";
export { checkGlpi, type GlpiCheck } from "./check.js";
export { glpiBackendFactory, glpiClientFromSettings, resolveRequestType } from "./settings.js";
export { planUserSync, planCatalogueSync, type UserSyncPlan, type CatalogueSyncPlan, type CatalogueAction, type LinkedNode, type CodeField } from "./directory-sync.js";
export { syncUsers, syncCatalogue, linkedTree, type SyncTarget, type UserSyncReport, type CatalogueSyncReport } from "./sync.js";

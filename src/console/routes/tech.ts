import type { PageRoute } from "../guards";

/**
 * The technicians' pages (queue, ticket, …): guard them with requireAccount("technician").
 * The queue sets `home: true`, so technicians land on it after signing in.
 */
export const techPages: PageRoute[] = [];

import type { FastifyRequest } from "fastify";
import type { Clock, Store } from "../../domain/index.js";
import type { WallboardAuthenticator } from "./wallboard/ports.js";

/**
 * Who may watch the wallboard: a signed-in account (its session cookie, already resolved into
 * `request.account` by the access plugin) may also switch the other screens' views; a wall TV's
 * kiosk token (`?token=`) may only watch.
 */
export function consoleViewers(store: Pick<Store, "kiosks">, clock: Clock): WallboardAuthenticator {
  return async (request: FastifyRequest) => {
    if (request.account) return { name: request.account.username, canControl: true };
    const token = (request.query as { token?: unknown } | undefined)?.token;
    if (typeof token !== "string" || token === "") return null;
    const kiosk = await store.kiosks.resolve(token, clock());
    return kiosk ? { name: `quiosque:${kiosk.name}`, canControl: false } : null;
  };
}

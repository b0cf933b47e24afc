import type { FastifyRequest } from "fastify";
import type { Settings } from "../config/index.js";
import type { Actor, Clock, CodeGenerator, MessageSender, Store, User } from "../domain/index.js";
import { maskPhone } from "../shared/privacy.js";
import type { PublicUser } from "./contract.js";
import type { Caller, IvrOperations } from "./ivr-operations.js";

/** What every route plugin gets: the store, the sender port, settings, and the injected clock/random. */
/**
 * The recordings on this host's disk (transferred calls, voice descriptions an IVR left behind):
 * the app layer sweeps them, so `POST /admin/purge` keeps the same retention as `ura purge`.
 */
export interface RecordingFiles {
  purge(now: Date): { transferRecordings: number; voiceLeftovers: number };
}

export interface ApiContext {
  settings: Settings;
  store: Store;
  sender: MessageSender;
  clock: Clock;
  random?: CodeGenerator;
  recordingFiles?: RecordingFiles;
}

/** What the IVR-facing route plugins get: the context and the operations their bodies are. */
export interface IvrRouteContext extends ApiContext {
  ops: IvrOperations;
}

export function publicUser(u: Pick<User, "code" | "name" | "department" | "phone">): PublicUser {
  return { code: u.code, name: u.name, department: u.department, phoneMasked: maskPhone(u.phone) };
}

/** Who did it, for the audit log: the token's name and the client's address. */
export function actorOf(request: FastifyRequest): Actor {
  return { client: request.client?.name ?? "anonymous", address: request.ip ?? null };
}

/** A request as an operation's caller: its actor, and its own logger (the request id). */
export function callerOf(request: FastifyRequest): Caller {
  return { actor: actorOf(request), log: request.log };
}

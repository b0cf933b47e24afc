import { API_PREFIX } from "../api/contract.js";
import type { Heartbeat, PartStatus } from "../domain/index.js";
import { requestJson } from "../shared/http-client.js";

/** Why a heartbeat did not reach the API: no answer, or an answer other than 200 (a wrong token, an address not allowed). */
export class HeartbeatRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HeartbeatRefusedError";
  }
}

/** What the API answers an IVR node's heartbeat with, besides the part's status. */
export interface HeartbeatReply {
  /** A fingerprint of every sentence the IVR says with TTS: it changes with the catalogue, the guidance or the announcements. */
  spoken?: string;
}

/** Posts one heartbeat to the API (`POST /api/v1/heartbeats`, a token with scope `ivr`). */
export function createHeartbeatSender(options: { baseUrl: string; token: string; timeoutMs: number }): (heartbeat: Heartbeat) => Promise<HeartbeatReply> {
  const url = `${options.baseUrl.replace(/\/+$/, "")}${API_PREFIX}/heartbeats`;
  return async (heartbeat) => {
    const reply = await requestJson(url, {
      method: "POST",
      body: heartbeat,
      headers: { authorization: `Bearer ${options.token}` },
      timeoutMs: options.timeoutMs,
      dependency: "api",
    }).catch((err: unknown) => {
      throw new HeartbeatRefusedError(`no answer from ${url}: ${(err as Error).message}`, { cause: err });
    });
    if (reply.status !== 200) throw new HeartbeatRefusedError(`${url} answered HTTP ${reply.status}${reply.text ? `: ${reply.text.slice(0, 200)}` : ""}`);
    const spoken = (reply.body as { spoken?: unknown } | undefined)?.spoken;
    return typeof spoken === "string" ? { spoken } : {};
  };
}

/** `GET /api/v1/status`: the table of every part, as `ura status` prints it. */
export async function fetchStatus(options: { baseUrl: string; token: string; timeoutMs: number }): Promise<{ now: string; parts: PartStatus[] }> {
  const url = `${options.baseUrl.replace(/\/+$/, "")}${API_PREFIX}/status`;
  const reply = await requestJson(url, { headers: { authorization: `Bearer ${options.token}` }, timeoutMs: options.timeoutMs });
  if (reply.status !== 200) throw new HeartbeatRefusedError(`${url} answered HTTP ${reply.status}${reply.text ? `: ${reply.text.slice(0, 200)}` : ""}`);
  return reply.body as { now: string; parts: PartStatus[] };
}

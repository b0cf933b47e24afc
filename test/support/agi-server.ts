import pino from "pino";
import { AgiServer, type AgiScript } from "../../src/agi/index.js";

/** Starts a FastAGI server on a free loopback port with the given routes. */
export async function startAgiServer(
  routes: Record<string, AgiScript>,
  options: {
    commandTimeoutMs?: number;
    allowedPeers?: string[];
    maxCallSeconds?: number;
    maxCalls?: number;
    /** Longest wait for the agi_* block (server default 10 s). */
    envTimeoutMs?: number;
    /** After a -1 from a playback, how long to wait for HANGUP before calling it a missing file (default 100). */
    hangupSettleMs?: number;
  } = {},
): Promise<{ server: AgiServer; port: number; logs: LogLine[]; close: () => Promise<void> }> {
  const logs: LogLine[] = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const server = new AgiServer({
    host: "127.0.0.1",
    port: 0,
    allowedPeers: options.allowedPeers ?? ["127.0.0.1", "::1"],
    commandTimeoutMs: options.commandTimeoutMs ?? 5000,
    maxCallSeconds: options.maxCallSeconds ?? 60,
    logger,
    hangupSettleMs: options.hangupSettleMs ?? 100,
    envTimeoutMs: options.envTimeoutMs,
    maxCalls: options.maxCalls,
  });
  for (const [path, script] of Object.entries(routes)) server.route(path, script);
  const { port } = await server.listen();
  return { server, port, logs, close: async () => void (await server.drain(1000)) };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

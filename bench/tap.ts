import { createRequire, syncBuiltinESMExports } from "node:module";
import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";

/**
 * Sub-millisecond think time, measured on the wire.
 *
 * The emulator (src/emulator/asterisk-emulator.ts) reports `thinkMs` with `Date.now()`, so a think
 * time under a millisecond reads 0 or 1 and a p50 ratio to the floor means nothing. This tap sees
 * the emulator's socket from the outside: it wraps `net.connect` (through the builtin's CommonJS
 * object and `syncBuiltinESMExports`, so the emulator's `import { connect }` sees it too) only while
 * `withTap` runs, times every `write` of ours (the env block, then each reply) with
 * `performance.now()`, and the arrival of the next line from the server. Sample i is the server's
 * think time before command i, exactly the emulator's definition, at µs resolution.
 */
export class WireTap {
  /** Think time before each command, in ms (fractional), in arrival order. */
  readonly thinkMs: number[] = [];
  private lastWrite: number | null = null;

  attach(socket: Socket): void {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
      const ok = write(...args);
      this.lastWrite = performance.now();
      return ok;
    };
    socket.prependListener("data", () => {
      // One command in flight, never pipelined: the first bytes after one of our writes start the next command.
      if (this.lastWrite === null) return;
      this.thinkMs.push(performance.now() - this.lastWrite);
      this.lastWrite = null;
    });
  }
}

const net = createRequire(import.meta.url)("node:net") as typeof import("node:net");
const originalConnect = net.connect;
let current: WireTap | null = null;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const patched = function (this: unknown, ...args: unknown[]) {
    const socket = (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
    if (current) current.attach(socket);
    return socket;
  } as typeof net.connect;
  net.connect = patched;
  net.createConnection = patched;
  syncBuiltinESMExports();
}

/** Runs `start` (which must open its one connection synchronously, as `placeCall` does) with `tap` on it. */
export function withTap<T>(tap: WireTap, start: () => T): T {
  install();
  current = tap;
  try {
    return start();
  } finally {
    current = null;
  }
}

import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Bulk work (a CSV import, a purge, a sync) shares the process's one event loop with the calls, and
 * the SQLite driver is synchronous: work that never awaits real I/O never lets a caller's key or an
 * IVR request in (issue 14 item 2: a 200,000-row import froze every call for 9.6 s). The returned
 * `turn()` is cheap to call often: once `sliceMs` of work has gone by since the last turn, it lets
 * the event loop run everything that is waiting before the work goes on.
 */
export function takingTurns(sliceMs = 10): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
  };
}

import { readFileSync } from "node:fs";

/**
 * What SQLite wrote to a database's write-ahead log since it was last reset (`PRAGMA
 * wal_checkpoint(TRUNCATE)`): pages written (frames) and commits (frames that end a transaction).
 * Read from the `-wal` file itself, so it counts what reached the disk whatever the adapter does.
 */
export function walWrites(databaseFile: string): { frames: number; commits: number } {
  let wal: Buffer;
  try {
    wal = readFileSync(`${databaseFile}-wal`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { frames: 0, commits: 0 };
    throw err;
  }
  if (wal.length < 32) return { frames: 0, commits: 0 };
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let frames = 0;
  let commits = 0;
  // A frame: 24-byte header (page number, database size after a commit or 0, the WAL's salts,
  // checksums), then the page. Frames left from before the last reset carry older salts.
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    frames += 1;
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return { frames, commits };
}

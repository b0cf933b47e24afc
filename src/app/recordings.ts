import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { dataPath, type Settings } from "../config/index.js";
import type { RecordingFiles } from "../api/index.js";
import type { VoiceRecordings } from "../ivr/index.js";

/** Asterisk's `wav`: 8 kHz 16-bit mono PCM with a header, which browsers and GLPI play as it is. */
const FORMAT = "wav";

/** VOICE_DIR as this host sees it (default DATA_DIR/voice). */
export function voiceDir(settings: Settings): string {
  return dataPath(settings, settings.VOICE_DIR, "voice");
}

/** A call id as a file name: Asterisk's ids (`1718000000.42`) stay as they are. */
function fileName(callId: string): string {
  return `voice-${callId.replace(/[^A-Za-z0-9._-]/g, "-")}`;
}

/**
 * Voice descriptions in VOICE_DIR: Asterisk writes `<VOICE_PBX_DIR or VOICE_DIR>/voice-<call id>.wav`,
 * the IVR reads it here, hands it to the API and removes it. The directory is made at start
 * (group-writable, so an `asterisk` user in the group can write it: docs/freepbx.md).
 */
export function createVoiceRecordings(settings: Settings, log: Logger): VoiceRecordings {
  const dir = voiceDir(settings);
  const pbxDir = settings.VOICE_PBX_DIR.replace(/\/+$/, "") || dir;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o2770 });
  } catch (err) {
    log.warn({ dir, err: (err as Error).message }, "cannot make VOICE_DIR: voice descriptions will not be found");
  }
  return {
    target: (callId) => ({ file: `${pbxDir}/${fileName(callId)}`, format: FORMAT }),
    async read(callId) {
      try {
        return new Uint8Array(await readFile(join(dir, `${fileName(callId)}.${FORMAT}`)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },
    async remove(callId) {
      await rm(join(dir, `${fileName(callId)}.${FORMAT}`), { force: true });
    },
  };
}

/**
 * Removes files in `dir` last written before `before` (left by a process killed between recording
 * and upload, or recordings past retention); a missing directory is nothing to do. Returns how many.
 */
export function removeFilesBefore(dir: string, before: Date, match: (name: string) => boolean = () => true): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (!match(name)) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (!st.isFile() || st.mtime >= before) continue;
      rmSync(path, { force: true });
      removed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return removed;
}

/** A transferred call's recording in TRANSFER_RECORDINGS_DIR: MixMonitor's `<call id>.wav` (URA_RECORDINGS). */
export function transferRecordingPath(settings: Settings, callId: string): string | null {
  if (settings.TRANSFER_RECORDINGS_DIR === "" || !/^[A-Za-z0-9._:-]{1,64}$/.test(callId) || callId.startsWith(".")) return null;
  return join(settings.TRANSFER_RECORDINGS_DIR, `${callId}.wav`);
}

export interface RecordingFilesPurge {
  /** Recordings of transferred calls removed (older than RETENTION_RECORDING_DAYS). */
  transferRecordings: number;
  /** Voice descriptions left in VOICE_DIR by an IVR stopped between recording and upload (older than a day). */
  voiceLeftovers: number;
}

/**
 * The files `ura purge` removes beside the database's rows: MixMonitor's recordings of transferred
 * calls past RETENTION_RECORDING_DAYS (by the file's time, which is when the call ended), and voice
 * descriptions an IVR never sent (it removes each one itself once sent).
 */
export function purgeRecordingFiles(settings: Settings, now: Date): RecordingFilesPurge {
  const day = 86_400_000;
  const recordingsBefore = new Date(now.getTime() - settings.RETENTION_RECORDING_DAYS * day);
  const transferRecordings = settings.TRANSFER_RECORDINGS_DIR === "" ? 0 : removeFilesBefore(settings.TRANSFER_RECORDINGS_DIR, recordingsBefore, (n) => /\.(wav|WAV|gsm|sln)$/.test(n));
  const voiceLeftovers = removeFilesBefore(voiceDir(settings), new Date(now.getTime() - day), (n) => n.startsWith("voice-"));
  return { transferRecordings, voiceLeftovers };
}

/** The API's port to this host's recordings: `POST /admin/purge` sweeps them as `ura purge` does. */
export function recordingFilesOf(settings: Settings): RecordingFiles {
  return { purge: (now) => purgeRecordingFiles(settings, now) };
}

import { RecordingError } from "../agi/index.js";
import { describeError } from "../shared/errors.js";
import type { Call } from "./call.js";
import { DependencyUnavailableError } from "./ports.js";

/** After the prompt, how long a key still skips before the tone (a caller reacting to "tecle 1"). */
const SKIP_GRACE_MS = 1000;
/**
 * Shorter than this is no description: a caller who stays silent leaves the 1 s of silence Asterisk
 * keeps after its silence detection, a cough or a "hã" little more.
 */
const MIN_DESCRIPTION_MS = 1500;
/** Waits before the second and third attempt to send a description the API did not take (ms). */
const ATTACH_RETRY_MS = [250, 1000];

/** What the caller said, waiting for the ticket the call is about to open. */
export interface VoiceDescription {
  /**
   * Sends it to the API for that ticket, retried while the failure may pass, then removes the file.
   * Never rejects: a description that could not be sent is logged at error level with the protocol
   * (the ticket stays, without it).
   */
  attachTo(protocol: string): Promise<void>;
  /** Removes it unsent (the ticket was not opened). */
  discard(): Promise<void>;
}

/**
 * The voice description (issue 13): after the service is chosen, "descreva o problema após o sinal".
 * Any key during the prompt, or in the second after it, skips it (one key). Then Asterisk's tone and
 * up to IVR_VOICE_MAX_SECONDS of recording, ended by `#` or by IVR_VOICE_SILENCE_SECONDS of silence.
 *
 * Null when not offered (IVR_VOICE_DESCRIPTION off), skipped, silent, or the PBX could not record
 * (the caller then goes on to the ticket as if they had skipped). A hang-up before the ticket is
 * opened rejects with HangupError after removing the file: no ticket, and nothing said is kept.
 */
export async function describeProblem(call: Call): Promise<VoiceDescription | null> {
  const voice = call.deps.voice;
  const api = call.deps.api;
  if (!voice || !api.attachVoiceDescription) return null;
  call.step = "describe";
  const { digits, timedOut } = await call.ask(call.p("describe-problem"), 1, SKIP_GRACE_MS);
  // GET DATA reports a lone `#` as no digits without a time-out: that is a key too.
  if (digits !== "" || !timedOut) return null;

  const callId = call.callId;
  const { file, format } = voice.target(callId);
  const discard = () => voice.remove(callId).catch((err: unknown) => call.log.warn({ err: describeError(err) }, "could not remove the voice description"));
  let endpos: number;
  try {
    ({ endpos } = await call.recordCaller(file, {
      format,
      escape: "#",
      maxMs: call.settings.IVR_VOICE_MAX_SECONDS * 1000,
      beep: true,
      silenceSeconds: call.settings.IVR_VOICE_SILENCE_SECONDS,
    }));
  } catch (err) {
    await discard();
    if (!(err instanceof RecordingError)) throw err;
    call.log.error({ file, reason: err.reason }, "the PBX could not record the voice description (VOICE_DIR / VOICE_PBX_DIR writable by asterisk?)");
    return null;
  }
  if (endpos < MIN_DESCRIPTION_MS * 8) {
    await discard();
    return null;
  }
  try {
    await call.play(call.p("description-saved"));
  } catch (err) {
    await discard();
    throw err;
  }
  call.log.info({ seconds: Math.round(endpos / 8000) }, "voice description recorded");

  return {
    discard,
    async attachTo(protocol) {
      try {
        const audio = await voice.read(callId);
        if (audio === null) {
          call.log.warn({ file }, "voice description not found here: is VOICE_DIR the directory the PBX writes to (VOICE_PBX_DIR)?");
          return;
        }
        await sendWithRetries(call, protocol, audio);
      } catch (err) {
        call.log.error({ err: describeError(err), protocol }, "voice description not attached: the ticket is open without it");
      } finally {
        await discard();
      }
    },
  };
}

/**
 * Sends the description, retrying a failure that may pass (no answer, a 5xx): the ticket is open and
 * the upload is idempotent (the API keeps the first copy), so a retry cannot make two. A refusal
 * (4xx) is not retried. Finished even if the caller hangs up: the description belongs to the ticket.
 * It runs while the protocol is spoken and after the call, so the retries cost the caller nothing.
 */
async function sendWithRetries(call: Call, protocol: string, audio: Uint8Array): Promise<void> {
  const api = call.deps.api;
  for (let attempt = 1; ; attempt++) {
    try {
      await call.within("attach voice description", (request) => api.attachVoiceDescription!({ protocol, callId: call.callId, audio }, request), {
        keepOnHangup: true,
        fullBudget: true,
      });
      return;
    } catch (err) {
      const passing = err instanceof DependencyUnavailableError && err.reason !== "rejected" && err.reason !== "bad_response";
      const wait = ATTACH_RETRY_MS[attempt - 1];
      if (!passing || wait === undefined) throw err;
      call.log.warn({ err: describeError(err), protocol, attempt }, "voice description not attached yet, retrying");
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
    }
  }
}

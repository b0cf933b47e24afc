import { HangupError } from "../agi/index.js";
import type { Call } from "./call.js";
import { describeError } from "../shared/errors.js";

/**
 * The announcements an admin set for now ("a rede da Secretaria de Saúde está fora do ar…"), as
 * files to play after the greeting: fetched while the greeting plays, and already synthesised
 * when they were written (the API warms the TTS cache on every change). When the API or the
 * speech fails, the caller goes on to the main menu without them: an announcement is a courtesy,
 * never a reason to lose the call.
 */
export async function announcements(call: Call): Promise<string[]> {
  let texts: string[];
  try {
    texts = (await call.within("announcements", (signal) => call.deps.api.announcements({ signal }))).playing.map((a) => a.text);
  } catch (err) {
    if (call.channel.hungUp) throw new HangupError("caller hung up");
    call.log.warn({ err: describeError(err) }, "announcements unavailable, going on without them");
    return [];
  }
  const files = await Promise.all(texts.map((text) => call.speak(text)));
  return files.filter((f): f is string => f !== null);
}

import type { Call } from "./call.js";

/**
 * The announcements an admin set for now ("a rede da Secretaria de Saúde está fora do ar…"), as
 * files to play after the greeting: fetched while the greeting plays, and already synthesised
 * when they were written (the API warms the TTS cache on every change). When the API or the
 * speech fails, the caller goes on to the main menu without them: an announcement is a courtesy,
 * never a reason to lose the call.
 */
export async function announcements(call: Call): Promise<string[]> {
  const view = await call.optional("announcements", (request) => call.deps.api.announcements(request), {
    otherwise: null,
    note: "announcements unavailable, going on without them",
  });
  if (!view) return [];
  const files = await Promise.all(view.playing.map((a) => call.speak(a.text)));
  return files.filter((f): f is string => f !== null);
}

import { ALL_KEYS, REPEAT_KEY, type Call } from "./call.js";
import { BackToMenu, EndCall } from "./outcome.js";
import { schedulePrompts } from "./schedule.js";
import { optionPrompts } from "./services.js";

/**
 * "Informações" (main menu, 4; the thesis' "acesso a informações"): when the technicians answer,
 * read from the weekly schedule, then the guidance texts an admin wrote ("como trocar sua senha"),
 * one key each; after a text the options play again, `*` goes back to the main menu. Without
 * guidance texts the hours are all there is, and the caller is back at the main menu after them.
 */
export async function informationFlow(call: Call): Promise<void> {
  call.step = "information";
  const { schedule, guidance } = await call.within("information", (request) => call.deps.api.information(request));
  const week = schedulePrompts(schedule);
  const hours = call.p(...(week.length ? (["info-hours", ...week] as const) : (["info-no-hours"] as const)));
  if (guidance.length === 0) {
    await call.play(hours, ALL_KEYS);
    throw new BackToMenu();
  }
  const options = [...call.p("info-guidance"), ...(await optionPrompts(call, guidance))];
  const keys = guidance.map((g) => g.key).join("");
  let parts = [...hours, ...options];
  for (;;) {
    call.step = "information";
    const choice = await call.menu({ parts, keys, back: true, repeat: !keys.includes(REPEAT_KEY) });
    if (choice.kind === "back") throw new BackToMenu();
    if (choice.kind !== "key") throw new EndCall("abandoned", call.step, ["no-input-end"]);
    const picked = guidance.find((g) => g.key === choice.key)!;
    call.step = `information-${picked.key}`;
    // Synthesised when the admin wrote it: a cache hit. A key ends it early (the caller got it).
    const text = await call.speak(picked.text);
    await call.play(text ? [text] : call.p("info-text-unavailable"), ALL_KEYS);
    parts = options;
  }
}


import { menuHead } from "../../bench/scenario.js";
import { currentMenu, type Caller, type CallerAction, type CallState, type PromptEvent } from "./asterisk-emulator.js";

type Matcher = string | RegExp | ((event: PromptEvent, state: CallState) => boolean);
type Keys = string | ((state: CallState) => string | Promise<string>);

interface Step {
  match: Matcher;
  action: (state: CallState) => CallerAction | Promise<CallerAction>;
  times: number;
}

/**
 * A caller who follows a script: `new ScriptedCaller().on("main-menu").press("1").on("ask-user-code").press("1234#")`.
 * Each step answers the first prompt it matches (by prompt id) once, in any order; a prompt no
 * step matches gets silence. Reads like the call it describes.
 */
export class ScriptedCaller implements Caller {
  private readonly steps: Step[] = [];

  on(match: Matcher, times = 1): StepBuilder {
    return new StepBuilder(this, match, times);
  }

  /** @internal */
  add(step: Step): this {
    this.steps.push(step);
    return this;
  }

  /** Steps that never matched a prompt: usually a sign the flow went somewhere unexpected. */
  unused(): string[] {
    return this.steps.filter((s) => s.times > 0).map((s) => String(s.match));
  }

  async react(event: PromptEvent, state: CallState): Promise<CallerAction> {
    const step = this.steps.find((s) => s.times > 0 && matches(s.match, event, state));
    if (!step) return { kind: "listen" };
    step.times--;
    return step.action(state);
  }
}

class StepBuilder {
  constructor(
    private readonly caller: ScriptedCaller,
    private readonly match: Matcher,
    private readonly times: number,
  ) {}

  /** Types keys `atMs` after the prompt starts (0 = barge in at once; a large value = after it ends). */
  press(keys: Keys, atMs = 0): ScriptedCaller {
    return this.caller.add({
      match: this.match,
      times: this.times,
      action: async (state) => ({ kind: "press", keys: typeof keys === "function" ? await keys(state) : keys, atMs }),
    });
  }

  listen(): ScriptedCaller {
    return this.caller.add({ match: this.match, times: this.times, action: () => ({ kind: "listen" }) });
  }

  hangup(atMs = 0): ScriptedCaller {
    return this.caller.add({ match: this.match, times: this.times, action: () => ({ kind: "hangup", atMs }) });
  }

  /** At a RECORD FILE: talks for `ms`, then presses a key (`"#"`), stays silent (`"silence"`) or hangs up (`"hangup"`). */
  speak(ms: number, then: string): ScriptedCaller {
    return this.caller.add({ match: this.match, times: this.times, action: () => ({ kind: "speak", ms, then }) });
  }

  hangupAfter(): ScriptedCaller {
    return this.caller.add({ match: this.match, times: this.times, action: () => ({ kind: "hangup-after" }) });
  }
}

function matches(m: Matcher, e: PromptEvent, state: CallState): boolean {
  if (typeof m === "string") return e.prompt === m || e.file === m;
  if (m instanceof RegExp) return m.test(e.prompt) || m.test(e.file);
  return m(e, state);
}

/**
 * The question of the menu that begins with `head`: the GET DATA at its end, whatever plays there
 * (its last option, or a footer fragment the first time in the call). A caller who listens to the
 * whole menu and then answers: `.on(question("service-menu")).press("2")`. A catalogue sub-menu,
 * which begins with its service's label (TTS), is `question("sub-menu")`.
 */
export function question(head: string): (event: PromptEvent, state: CallState) => boolean {
  const fn = (event: PromptEvent, state: CallState) => event.command === "GET DATA" && menuHead(currentMenu(state)) === head;
  fn.toString = () => `question(${head})`;
  return fn;
}

import type { RecordCallRequest } from "../api/contract.js";
import type { PromptId } from "./prompt-ids.js";
import { StacklessError } from "../shared/errors.js";

/** What the dialplan reads in URA_RESULT: the call record's outcome. */
export type CallResult = RecordCallRequest["outcome"];
/** Step scripts only: `identified` (ura/identify succeeded), `back` (caller pressed * at the first prompt). */
export type StepResult = CallResult | "identified" | "back";

/**
 * Thrown to end the call from anywhere in the flow: the runner plays `prompts` (then goodbye,
 * unless it is a transfer), sets the channel variables and records the call. An outcome, not a
 * failure, so it carries no stack.
 */
export class EndCall extends StacklessError {
  constructor(
    readonly result: StepResult,
    readonly step: string | null = null,
    readonly prompts: PromptId[] = [],
    readonly options: {
      /** Something failed that a technician can solve: offer one when the desk is open. */
      offerTechnician?: boolean;
      /**
       * The caller reached a limit (codes per hour, a lockout, wrong one-time codes): a technician
       * when the desk is open, and when it is closed, when to call back.
       */
      limit?: boolean;
      /** The dialplan goes on with the call (step mode): no goodbye. */
      handBack?: boolean;
    } = {},
  ) {
    super(`call ends: ${result}`);
    this.name = "EndCall";
  }
}

/** `*` where going back leaves the current flow: the main menu (full flow) or the FreePBX IVR (step mode). */
export class BackToMenu extends Error {
  constructor() {
    super("back to the previous menu");
    this.name = "BackToMenu";
  }
}

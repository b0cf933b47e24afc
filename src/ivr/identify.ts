import type { Call } from "./call.js";
import { BackToMenu, EndCall } from "./outcome.js";
import type { CallerMatch, PublicUser } from "./ports.js";
import type { PromptId } from "./prompt-ids.js";
import { callAgain } from "./technician.js";
import { digitPrompts } from "./numbers.js";

const MAX_CODE_DIGITS = 12;

/**
 * Who is calling. From the caller's own registered extension (the default policy, docs/security.md)
 * nothing is asked: the PBX authenticated the phone, and the caller hears their name ("Olá, Ana
 * Souza.") as they are identified, so whoever is at that phone knows in whose name the call goes
 * on. From anywhere else: the user code and the one-time code, then "Obrigado, <nome>.". The API's
 * rules per department and extension can ask a one-time code on an extension too (after "Você é
 * <nome>?", so a colleague at that desk can answer no and use their own code), or make an
 * extension identify nobody (a shared phone); OTP_POLICY (always, unregistered-only, never)
 * overrides the default where a site needs it. `callerLookup` was started when the call was
 * answered so it is ready by now.
 */
export async function identify(call: Call, callerLookup: Promise<CallerMatch> | null): Promise<PublicUser> {
  if (call.user) return call.user;
  call.step = "identify";
  let user: PublicUser | null = null;
  let fromOwnNumber = false;
  const policy = call.settings.OTP_POLICY;

  const match = callerLookup ? await callerLookup : null;
  const mode = match?.match === "unique" ? (policy === "by-origin" ? match.identification : "extension-otp") : "code-otp";
  if (match?.match === "unique" && mode !== "code-otp") {
    if (policy === "by-origin" && mode === "extension") {
      await hearName(call, "hello-name", match.user);
      await call.identified(match.user, "caller-id");
      return match.user;
    }
    if ((await confirmName(call, "confirm-caller", match.user)) === "1") {
      user = match.user;
      fromOwnNumber = true;
    }
  }

  if (!user) user = await askUserCode(call);

  const withCode =
    policy === "by-origin" ? !(fromOwnNumber && mode === "extension") : policy === "always" || (policy === "unregistered-only" && !fromOwnNumber);
  if (withCode) {
    await oneTimeCode(call, user);
    // The name the code was sent for, unless the caller has just confirmed it ("Você é …?").
    if (!fromOwnNumber) await hearName(call, "thanks-name", user);
  } else if (!fromOwnNumber) {
    // A typed code with no one-time code after it (OTP_POLICY=never): the name is the only check
    // that the code was the caller's own. After a one-time code it would only repeat that check
    // (the code reached this user's mobile), so the caller is not asked twice (issue 13).
    if ((await confirmName(call, "confirm-name", user)) === "2") throw new EndCall("abandoned", "confirm-name", ["name-declined"]);
  }
  await call.identified(user, `${fromOwnNumber ? "caller-id" : "code"}${withCode ? "+otp" : ""}`);
  return user;
}

/**
 * "Olá, <nome>." or "Obrigado, <nome>." (the name is synthesised while "Olá," plays, if it is not
 * cached yet). Not interruptible: it is short, and a key typed into it would be lost anyway.
 */
async function hearName(call: Call, prefix: "hello-name" | "thanks-name", user: PublicUser): Promise<void> {
  const name = call.background(call.speak(user.name));
  await call.play(call.p(prefix));
  await call.play(nameParts(call, user, await name));
}

/**
 * "Você é <nome>?", then the question of `step`: the key pressed, 1 or 2. `*` goes back; silence
 * ends the call.
 */
async function confirmName(call: Call, step: "confirm-caller" | "confirm-name", user: PublicUser): Promise<string> {
  call.step = step;
  const parts = [...call.p("you-are"), ...nameParts(call, user, await call.speak(user.name)), ...call.p(step)];
  const choice = await call.menu({ parts, keys: "12", back: true });
  if (choice.kind === "back") throw new BackToMenu();
  if (choice.kind !== "key") throw new EndCall("abandoned", step, ["no-input-end"]);
  return choice.key;
}

/** The user's name as TTS said it, or, when TTS failed, "usuário de código" and the code digit by digit. */
function nameParts(call: Call, user: PublicUser, spoken: string | null): string[] {
  return spoken ? [spoken] : call.p("user-with-code", ...digitPrompts(user.code));
}

async function askUserCode(call: Call): Promise<PublicUser> {
  call.step = "user-code";
  let parts = call.p("ask-user-code");
  for (let tries = 1; ; tries++) {
    const entry = await call.digits(parts, MAX_CODE_DIGITS);
    if (entry.kind === "back") throw new BackToMenu();
    if (entry.kind === "none") throw new EndCall("abandoned", "user-code", ["no-input-end"]);
    const user = await call.within("identify by code", (request) => call.deps.api.identifyByCode(entry.digits, request));
    if (user) return user;
    call.log.info({ tries }, "unknown user code");
    if (tries >= call.settings.IVR_CODE_TRIES) throw new EndCall("abandoned", "user-code", ["too-many-tries"]);
    parts = call.p("unknown-user-code", "ask-user-code");
  }
}

/**
 * The one-time code: the API makes it and has the sender deliver it to the user's WhatsApp; the
 * caller types it. The code itself only ever travels in the verify request: never in a channel
 * variable, an EXEC argument or a log line.
 */
async function oneTimeCode(call: Call, user: PublicUser): Promise<void> {
  call.step = "otp";
  let resent = false;
  let sent = await requestCode(call, user);
  let parts = call.p("otp-sent", ...digitPrompts(sent.slice(-4)), "ask-otp");
  for (let tries = 1; ; tries++) {
    const entry = await call.digits(parts, MAX_CODE_DIGITS);
    if (entry.kind === "back") throw new BackToMenu();
    if (entry.kind === "none") throw new EndCall("abandoned", "otp", ["no-input-end"]);
    const result = await call.within("verify one-time code", (request) =>
      call.deps.api.verifyOtp({ userCode: user.code, code: entry.digits }, request),
    );
    if (result.ok) return;
    call.log.info({ tries, reason: result.reason, attemptsLeft: result.attemptsLeft }, "one-time code refused");
    if (result.reason === "locked") throw new EndCall("abandoned", "otp", [lockedPrompt(result.scope), ...callAgain(call, result.until)], { limit: true });
    if (result.reason === "expired" || result.reason === "none") {
      if (resent) throw new EndCall("abandoned", "otp", ["otp-expired", "too-many-tries"], { limit: true });
      resent = true;
      sent = await requestCode(call, user);
      parts = call.p("otp-expired", "otp-sent", ...digitPrompts(sent.slice(-4)), "ask-otp");
      continue;
    }
    if (result.attemptsLeft <= 0 || tries >= call.settings.IVR_CODE_TRIES) throw new EndCall("abandoned", "otp", ["too-many-tries"], { limit: true });
    parts = call.p("otp-wrong", "ask-otp");
  }
}

/** Asks the API to send a code; returns the masked phone it went to. Refusals end the call with their reason. */
async function requestCode(call: Call, user: PublicUser): Promise<string> {
  const result = await call.within("request one-time code", (request) =>
    call.deps.api.requestOtp({ userCode: user.code, callId: call.callId, callerNumber: call.channel.request.callerId ?? undefined }, request),
  );
  if (result.ok) return result.phoneMasked;
  call.log.warn({ reason: result.reason }, "one-time code not sent");
  switch (result.reason) {
    case "sender_unavailable":
      throw new EndCall("error", "otp", ["otp-send-failed"], { offerTechnician: true });
    case "rate_limited":
      throw new EndCall("abandoned", "otp", [rateLimitedPrompt(result.scope), ...callAgain(call, result.until)], { limit: true });
    case "locked":
      throw new EndCall("abandoned", "otp", [lockedPrompt(result.scope), ...callAgain(call, result.until)], { limit: true });
    case "no_phone":
      throw new EndCall("abandoned", "otp", ["otp-no-phone"], { offerTechnician: true });
    case "undeliverable":
      throw new EndCall("error", "otp", ["otp-undeliverable"], { offerTechnician: true });
    default:
      throw new EndCall("error", "otp", ["system-unavailable"], { offerTechnician: true });
  }
}


/**
 * What is cooling down, in the caller's words: this calling number (for any user: the usual case),
 * or, for a call without a number, the user's codes. An API that does not say is taken as the number's.
 */
function lockedPrompt(scope: "caller" | "user" | undefined): PromptId {
  return scope === "user" ? "otp-locked" : "otp-locked-number";
}

/**
 * Whose hourly cap on codes was reached, in the caller's words: this calling number's (codes asked
 * from it for any user), or the caller's record. An API that does not say is taken as the record's,
 * what this prompt always said.
 */
function rateLimitedPrompt(scope: "caller" | "user" | undefined): PromptId {
  return scope === "caller" ? "otp-rate-limited-number" : "otp-rate-limited";
}

import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Step scripts keep the identified user in channel variables between AGI sessions of one call.
 * Anyone who can write the dialplan (or a variable inherited from another channel) could set
 * URA_USER, so it is accompanied by URA_AUTH: an HMAC of the call's uniqueid and the user code.
 * A forged or copied value (another call's uniqueid) does not verify. The user code is not
 * secret, the key is: see IVR_STATE_SECRET.
 */
export function signUser(key: string, uniqueId: string, userCode: string): string {
  return createHmac("sha256", key).update(`ura-user\0${uniqueId}\0${userCode}`).digest("base64url").slice(0, 32);
}

export function verifyUser(key: string, uniqueId: string, userCode: string, signature: string): boolean {
  const expected = Buffer.from(signUser(key, uniqueId, userCode));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

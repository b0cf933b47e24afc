import type { Call } from "./call.js";

/**
 * Channel technologies whose channel names carry the endpoint the PBX authenticated: a registered
 * phone (FreePBX names a PJSIP/SIP endpoint after its extension) or a trunk (named after the trunk).
 */
const DEVICE_TECHS = new Set(["PJSIP", "SIP", "IAX2"]);

/**
 * The call comes from the PBX's own registered extension whose number is the caller id: the
 * phone on the desk, authenticated by its SIP registration. A call from outside comes through a
 * trunk's channel whatever caller id it claims, so it never passes; nor does one through a Local
 * channel (a follow-me, a ring group), which then identifies as an outside call would.
 */
export function fromOwnExtension(call: Call): boolean {
  const { endpoint, callerId } = call.channel.request;
  return endpoint !== null && callerId !== null && DEVICE_TECHS.has(endpoint.tech.toUpperCase()) && endpoint.name === callerId;
}

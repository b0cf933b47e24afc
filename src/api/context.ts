import type { Settings } from "../config/index.js";
import type { Clock, CodeGenerator, MessageSender, Store, User } from "../domain/index.js";
import { maskPhone } from "../shared/privacy.js";
import type { PublicUser } from "./contract.js";

/** What every route plugin gets: the store, the sender port, settings, and the injected clock/random. */
export interface ApiContext {
  settings: Settings;
  store: Store;
  sender: MessageSender;
  clock: Clock;
  random?: CodeGenerator;
}

export function publicUser(u: User): PublicUser {
  return { code: u.code, name: u.name, department: u.department, phoneMasked: maskPhone(u.phone) };
}

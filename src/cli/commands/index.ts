import type { CliCommand } from "../command.js";
import { command as accounts } from "./accounts.js";
import { command as announcements } from "./announcements.js";
import { command as api } from "./api.js";
import { backup, restore } from "./backup.js";
import { command as call } from "./call.js";
import { command as catalogue } from "./catalogue.js";
import { command as config } from "./config.js";
import { command as doctor } from "./doctor.js";
import { command as identification } from "./identification.js";
import { command as ivr } from "./ivr.js";
import { command as kiosk } from "./kiosk.js";
import { command as migrate } from "./migrate.js";
import { command as purge } from "./purge.js";
import { command as sounds } from "./sounds.js";
import { command as start } from "./start.js";
import { command as status } from "./status.js";
import { command as tts } from "./tts.js";
import { command as users } from "./users.js";
import { command as whatsapp } from "./whatsapp.js";

/** Every `ura` command. Each module adds its own line here. */
export const commands: CliCommand[] = [
  start,
  ivr,
  api,
  migrate,
  users,
  catalogue,
  accounts,
  kiosk,
  announcements,
  identification,
  purge,
  backup,
  restore,
  whatsapp,
  tts,
  sounds,
  call,
  status,
  config,
  doctor,
];

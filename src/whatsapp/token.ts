import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dataPath, type Settings } from "../config/index.js";
import { secretFile } from "../shared/secret-file.js";

/** Where `ura whatsapp` keeps the token it made when WHATSAPP_TOKEN is empty. */
export function tokenFile(settings: Settings): string {
  return dataPath(settings, "", "whatsapp-token.local");
}

/**
 * The service's bearer token: WHATSAPP_TOKEN, or (when empty) the one in DATA_DIR/whatsapp-token.local,
 * made at first start. A client on the same host and DATA_DIR finds it there without configuration.
 */
export async function serviceToken(settings: Settings): Promise<{ token: string; source: "setting" | "file" }> {
  if (settings.WHATSAPP_TOKEN !== "") return { token: settings.WHATSAPP_TOKEN, source: "setting" };
  const file = tokenFile(settings);
  const token = secretFile(file, () => randomBytes(32).toString("base64url")).trim();
  if (token === "") throw new Error(`${file} is empty: delete it and ura whatsapp makes a new token`);
  return { token, source: "file" };
}

/** The token a client uses: WHATSAPP_TOKEN, else the service's token file, else null. */
export async function clientToken(settings: Settings): Promise<string | null> {
  if (settings.WHATSAPP_TOKEN !== "") return settings.WHATSAPP_TOKEN;
  return readTokenFile(tokenFile(settings));
}

async function readTokenFile(file: string): Promise<string | null> {
  try {
    const token = (await readFile(file, "utf8")).trim();
    return token === "" ? null : token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

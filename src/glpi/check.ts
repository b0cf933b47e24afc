import type { Settings } from "../config/index.js";
import { GlpiClient } from "./client.js";
import { GlpiApiError, GlpiUnavailableError } from "./errors.js";
import { resolveRequestType } from "./settings.js";
import { USER_FIELD } from "./status.js";

export interface GlpiCheck {
  level: "ok" | "warn" | "fail";
  detail: string;
}

/**
 * `ura doctor`'s GLPI line: opens a session with the settings' tokens and says, in one sentence,
 * what an admin must change when it fails (unreachable, API disabled, IP not allowed, bad app
 * token, bad user token), then what the service account can do. Changes nothing in GLPI.
 */
export async function checkGlpi(settings: Settings, options: { timeoutMs?: number } = {}): Promise<GlpiCheck> {
  if (settings.GLPI_URL === "") {
    return { level: "ok", detail: "not used (TICKET_BACKEND=builtin and no GLPI_URL)" };
  }
  const url = settings.GLPI_URL;
  const client = new GlpiClient({
    url,
    appToken: settings.GLPI_APP_TOKEN,
    auth: { userToken: settings.GLPI_USER_TOKEN },
    timeoutMs: options.timeoutMs ?? 5000,
  });
  try {
    try {
      await client.session();
    } catch (err) {
      return { level: "fail", detail: `${url}: ${loginProblem(err)}` };
    }
    const facts: string[] = [];
    const warnings: string[] = [];
    const session = await client.fullSession();
    facts.push(`logged in as ${String(session.glpiname ?? "?")}`);
    if (settings.GLPI_ENTITY_ID !== "") {
      const entities = await client.myEntities();
      const wanted = Number(settings.GLPI_ENTITY_ID);
      const entity = entities.find((e) => e.id === wanted);
      if (!entity) {
        return { level: "fail", detail: `${url}: GLPI_ENTITY_ID=${wanted} is not one of the service account's entities (${entities.map((e) => `${e.id} ${e.name}`).join(", ") || "none"})` };
      }
      facts.push(`entity ${wanted} (${entity.name})`);
    }
    const requestType = await resolveRequestType(client, settings);
    facts.push(`request type ${requestType.id} (${requestType.how})`);
    try {
      facts.push(`${(await client.categories()).length} ITIL categories`);
    } catch (err) {
      if (!(err instanceof GlpiApiError && err.code === "ERROR_RIGHT_MISSING")) throw err;
      warnings.push("the service account cannot read ITIL categories (ura catalogue sync-glpi needs it)");
    }
    try {
      await client.search("User", { criteria: [{ field: USER_FIELD.active, searchtype: "equals", value: 1 }], range: [0, 0] });
      facts.push("users readable");
    } catch (err) {
      if (!(err instanceof GlpiApiError && err.code === "ERROR_RIGHT_MISSING")) throw err;
      warnings.push("the service account cannot read users (ura users sync-glpi needs it)");
    }
    const detail = `${url}: ${facts.join(", ")}${warnings.length ? `; ${warnings.join("; ")}` : ""}`;
    return { level: warnings.length ? "warn" : "ok", detail };
  } catch (err) {
    return { level: "fail", detail: `${url}: ${(err as Error).message}` };
  } finally {
    await client.killSession();
  }
}

/** One sentence an admin can act on, for each way initSession fails. */
function loginProblem(err: unknown): string {
  if (err instanceof GlpiUnavailableError) {
    if (err.reason === "unreachable" || err.reason === "dropped") {
      const code = (err.cause as { code?: string } | undefined)?.code;
      return `GLPI is unreachable from this host (${code ?? err.reason}): check GLPI_URL and the network`;
    }
    if (err.reason === "timeout") return "GLPI did not answer within the time limit: check GLPI_URL, the network and GLPI's load";
    return `this is not GLPI's REST API answering (${err.message}): GLPI_URL must end in apirest.php`;
  }
  if (err instanceof GlpiApiError) {
    const detail = typeof err.detail === "string" ? err.detail : "";
    switch (err.code) {
      case "ERROR":
        if (/API disabled/i.test(detail)) return 'GLPI\'s REST API is disabled: in GLPI, Setup > General > API, set "Enable Rest API" to Yes';
        break;
      case "ERROR_NOT_ALLOWED_IP": {
        const ip = /\(([^)]+)\)/.exec(detail)?.[1];
        return `GLPI has no active API client for this host's address${ip ? ` (${ip})` : ""}: in GLPI, Setup > General > API, add an API client for it`;
      }
      case "ERROR_WRONG_APP_TOKEN_PARAMETER":
        return "GLPI_APP_TOKEN is not the app token of GLPI's API client for this host (Setup > General > API)";
      case "ERROR_APP_TOKEN_PARAMETERS_MISSING":
        return "GLPI's API client for this host requires an app token: set GLPI_APP_TOKEN";
      case "ERROR_GLPI_LOGIN_USER_TOKEN":
        return "GLPI_USER_TOKEN is not accepted: copy the service account's API token again (its preferences, Remote access keys)";
      case "ERROR_LOGIN_PARAMETERS_MISSING":
        return "GLPI did not receive GLPI_USER_TOKEN: a web server or proxy in front of GLPI drops the Authorization header (docs/glpi.md)";
      case "ERROR_GLPI_LOGIN":
        return "GLPI refused the login";
    }
    return `GLPI refused the session: ${err.code}${detail ? ` (${detail.split(";")[0]})` : ""}`;
  }
  return (err as Error).message;
}

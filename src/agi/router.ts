import type { AgiScript } from "./channel.js";

/** Maps script paths (`ura`, `ura/status`) to scripts. Paths compare without leading/trailing slashes. */
export class AgiRouter {
  private readonly routes = new Map<string, AgiScript>();

  add(path: string, script: AgiScript): void {
    const key = normalise(path);
    if (this.routes.has(key)) throw new Error(`AGI route "${key}" is already registered`);
    this.routes.set(key, script);
  }

  match(path: string): AgiScript | undefined {
    return this.routes.get(normalise(path));
  }

  paths(): string[] {
    return [...this.routes.keys()];
  }
}

function normalise(path: string): string {
  return path.replace(/^\/+|\/+$/g, "").toLowerCase();
}

import { readFileSync } from "node:fs";

/** The Dockerfile read as stages (no Docker engine here): each stage's instructions, continuations joined. */
export interface Stage {
  name: string;
  from: string;
  lines: string[];
}

export function dockerfileStages(text: string): Stage[] {
  const stages: Stage[] = [];
  const args: Record<string, string> = {};
  for (const line of text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#")) continue;
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args[arg[1]!] = arg[2]!;
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) stages.push({ name: from[2] ?? String(stages.length), from: from[1]!.replace(/\$\{(\w+)\}/, (_m, a: string) => args[a] ?? ""), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** A stage's lines with those of the stages it is built FROM first. */
export function chain(stages: Stage[], name: string): string[] {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stages.some((s) => s.name === stage.from) ? [...chain(stages, stage.from), ...stage.lines] : stage.lines;
}

export type DependencyKind = "dev" | "optional";

/**
 * What an image's node_modules leave out: the `--omit=` kinds of the `npm prune` (or `npm ci`) that
 * made the stage the image copies `/app/node_modules` from.
 */
export function omittedKinds(stages: Stage[], image: string): Set<DependencyKind> {
  const copy = chain(stages, image)
    .map((l) => /^COPY --from=(\S+) \S*node_modules\S* /.exec(l))
    .findLast((m) => m !== null);
  if (!copy) throw new Error(`${image}: no COPY --from=… node_modules`);
  const install = chain(stages, copy[1]!)
    .filter((l) => /^RUN npm (ci|prune)\b/.test(l))
    .at(-1);
  if (!install) throw new Error(`${copy[1]}: no npm ci or npm prune`);
  return new Set([...install.matchAll(/--omit=(\w+)/g)].map((m) => m[1] as DependencyKind));
}

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
}

/**
 * The package-lock.json paths (`node_modules/…`) npm installs with `omit` left out. npm marks each
 * locked package with why it is needed: `dev` (only by devDependencies), `optional` (only through
 * optionalDependencies), `devOptional` (by both, never by a plain dependency).
 */
export function lockedPackages(omit: Set<DependencyKind>, lockFile = "package-lock.json"): string[] {
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, LockEntry> };
  const left = (e: LockEntry) =>
    (omit.has("dev") && e.dev === true) || (omit.has("optional") && e.optional === true) || (omit.has("dev") && omit.has("optional") && e.devOptional === true);
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== "" && !left(entry))
    .map(([path]) => path);
}

/** `node_modules/a/node_modules/@b/c` → `@b/c`. */
export function packageName(path: string): string {
  return path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
}

/**
 * Node's LTS lines and their end of life (nodejs.org/en/about/previous-releases), with the first
 * release of each line that was LTS: the oldest Node an image tagged `node:<major>-…` can carry.
 */
export const NODE_LTS: Record<number, { firstLts: string; endOfLife: string }> = {
  20: { firstLts: "20.9.0", endOfLife: "2026-04-30" },
  22: { firstLts: "22.11.0", endOfLife: "2027-04-30" },
  24: { firstLts: "24.11.0", endOfLife: "2028-04-30" },
};

/** Each locked package's declared `engines.node` (package-lock.json path → range), where it has one. */
export function lockedNodeEngines(lockFile = "package-lock.json"): Map<string, string> {
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, { engines?: Record<string, string> | string[] }> };
  const out = new Map<string, string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const node = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (path !== "" && node) out.set(path, node);
  }
  return out;
}

type Version = [number, number, number];
const COMPARATOR = /^(>=|<=|>|<|=|\^|~)?v?(\d+|x|X|\*)(?:\.(\d+|x|X|\*))?(?:\.(\d+|x|X|\*))?$/;

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether a Node version meets an `engines` range, for the forms package-lock.json holds
 * (`>=20`, `>= 0.10`, `^20.19.0 || >=22.12.0`, `20.x || 22.x`, `16 || 14 >=14.17`, `*`). A form it
 * does not know throws, so a new one is noticed rather than passed.
 */
export function nodeSatisfies(version: string, range: string): boolean {
  const v = version.split(".").map(Number) as Version;
  return range.split("||").some((alternative) => {
    const tokens = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1").split(/\s+/).filter((t) => t !== "");
    return tokens.every((token) => {
      const m = COMPARATOR.exec(token);
      if (!m) throw new Error(`engines range ${JSON.stringify(range)}: ${token}`);
      // The numeric parts before the first wildcard or the end: 20.x → [20], >=14.17 → [14, 17].
      const parts: number[] = [];
      for (const p of [m[2], m[3], m[4]]) {
        if (p === undefined || !/^\d+$/.test(p)) break;
        parts.push(Number(p));
      }
      const op = m[1] ?? "";
      if (parts.length === 0) return true; // *, x
      const floor = [parts[0]!, parts[1] ?? 0, parts[2] ?? 0] as Version;
      const sameMajor = v[0] === parts[0];
      switch (op) {
        case ">=": return compare(v, floor) >= 0;
        case ">": return compare(v, floor) > 0;
        case "<": return compare(v, floor) < 0;
        case "<=": return compare(v, floor) <= 0;
        case "^": return compare(v, floor) >= 0 && (parts[0] !== 0 ? sameMajor : v[0] === 0 && v[1] === floor[1]);
        case "~": return compare(v, floor) >= 0 && sameMajor && (parts.length < 2 || v[1] === parts[1]);
        default: return parts.every((p, i) => v[i] === p); // 20, 20.x, 20.19, =20.19.0
      }
    });
  });
}

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

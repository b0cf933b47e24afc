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

/**
 * Asterisk's parse_args (res/res_agi.c, releases/22 l.4158-4219), transcribed: how Asterisk splits
 * an AGI command line into arguments. The emulator uses it so tests see exactly what Asterisk
 * would: `"a\"b"` → `a"b`, `"a"b"` → `ab`, a backslash escapes the next character.
 */
export function parseArgs(line: string, maxArgs = 128): string[] {
  const argv: string[] = [];
  let current: string[] | null = null;
  let quoted = false;
  let escaped = false;
  let whitespace = true;
  const start = () => {
    current = [];
    argv.push("");
    whitespace = false;
  };
  const flush = () => {
    if (current) argv[argv.length - 1] = current.join("");
  };
  for (const ch of line) {
    if (ch === '"' && !escaped) {
      quoted = !quoted;
      if (quoted && whitespace) start();
      escaped = false;
      continue;
    }
    if ((ch === " " || ch === "\t") && !quoted && !escaped) {
      flush();
      whitespace = true;
      continue;
    }
    if (ch === "\\" && !escaped) {
      escaped = true;
      continue;
    }
    if (whitespace) {
      if (argv.length >= maxArgs - 1) continue;
      start();
    }
    (current as unknown as string[]).push(ch);
    flush();
    escaped = false;
  }
  flush();
  return argv;
}

import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/**
 * Finds the prompt ids the code refers to, by reading it with the TypeScript compiler rather than
 * grepping, so ids that travel through variables, ternaries, helper functions and template
 * literals are found too. Where ids enter the audio:
 *   - every argument of a call to `p(…)`, `promptFile(…)` or `<something prompt>.file/text(…)`;
 *   - the third argument of `new EndCall(result, step, prompts)`.
 * From there it follows array literals, spreads, both branches of `?:`, `||`/`??`, local
 * variables, `.map()` callbacks and the return values of functions defined in our code. A
 * template literal becomes every id its parts can spell when their types are literal unions
 * (`status-${TicketStatus}`), else a pattern some prompt id must match (`digit-${string}`).
 * When the flow starts passing ids another way, add that way to SINKS.
 */
export const SINKS = {
  calls: ["p", "promptFile"],
  /** `message(id, values)`: ids of the written texts in sounds/messages.pt-BR.txt (src/domain/messages.ts). */
  messages: ["message"],
  /** `prompts.file(id)`, `promptSet.text(id)`: method names on a receiver whose name says "prompt". */
  promptMethods: ["file", "text"],
  /** Constructors and the argument index that carries prompt ids. */
  constructors: { EndCall: 2 } as Record<string, number>,
};

export interface PromptReference {
  /** "prompt" (sounds/prompts.pt-BR.txt) or "message" (sounds/messages.pt-BR.txt). */
  kind: "prompt" | "message";
  where: string;
  /** Concrete ids the expression can produce. */
  ids: string[];
  /** When the ids cannot be listed: a pattern at least one prompt id must match. */
  pattern?: RegExp;
  source: string;
}

export function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

export function findPromptReferences(root: string, files: string[]): { references: PromptReference[]; sinksSeen: Set<string> } {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  // Only zod's types matter here (literal unions such as TicketStatus come from zod schemas);
  // leaving the big SDKs' declarations unresolved keeps this to a second or two instead of ten.
  const host = ts.createCompilerHost(options);
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, compilerOptions, sourceFile) =>
    literals.map((literal) =>
      literal.text.startsWith(".") || literal.text === "zod" || literal.text.startsWith("zod/")
        ? ts.resolveModuleName(literal.text, containingFile, compilerOptions, host, undefined, redirected, ts.getModeForUsageLocation(sourceFile, literal, compilerOptions))
        : { resolvedModule: undefined },
    );
  const program = ts.createProgram(files, options, host);
  const checker = program.getTypeChecker();
  const ours = new Set(files);
  const references: PromptReference[] = [];
  const sinksSeen = new Set<string>();
  /** The kind of sink whose arguments are being followed. */
  let kind: PromptReference["kind"] = "prompt";

  const where = (node: ts.Node) => {
    const sf = node.getSourceFile();
    return `${relative(root, sf.fileName)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };

  /** Literal values a type can take, or null when it is open (string, number, …). */
  const literalValues = (type: ts.Type): string[] | null => {
    const parts = type.isUnion() ? type.types : [type];
    const values: string[] = [];
    for (const t of parts) {
      if (t.isStringLiteral()) values.push(t.value);
      else if (t.isNumberLiteral()) values.push(String(t.value));
      else return null;
    }
    return values;
  };

  const collect = (expr: ts.Expression, seen: Set<ts.Node>): void => {
    if (seen.has(expr)) return;
    seen.add(expr);
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) {
      references.push({ kind, where: where(expr), ids: [expr.text], source: expr.getText() });
    } else if (ts.isTemplateExpression(expr)) {
      collectTemplate(expr);
    } else if (ts.isArrayLiteralExpression(expr)) {
      for (const element of expr.elements) collect(element, seen);
    } else if (ts.isSpreadElement(expr)) {
      collect(expr.expression, seen);
    } else if (ts.isConditionalExpression(expr)) {
      collect(expr.whenTrue, seen);
      collect(expr.whenFalse, seen);
    } else if (ts.isParenthesizedExpression(expr) || ts.isAwaitExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr) || ts.isSatisfiesExpression(expr)) {
      collect(expr.expression, seen);
    } else if (ts.isBinaryExpression(expr)) {
      const op = expr.operatorToken.kind;
      if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) collect(expr.left, seen);
      if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.AmpersandAmpersandToken) collect(expr.right, seen);
    } else if (ts.isIdentifier(expr)) {
      const declaration = declarationOf(expr);
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) collect(declaration.initializer, seen);
    } else if (ts.isCallExpression(expr)) {
      collectCall(expr, seen);
    }
  };

  const collectCall = (call: ts.CallExpression, seen: Set<ts.Node>) => {
    const callee = call.expression;
    if (isSinkCall(call)) return; // its arguments are visited as a sink of their own
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      if (method === "map" || method === "flatMap") {
        const fn = call.arguments[0];
        if (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) collectReturns(fn, seen);
        return;
      }
      if (["filter", "slice", "concat", "reverse", "toReversed", "sort", "toSorted"].includes(method)) {
        collect(callee.expression, seen);
        if (method === "concat") for (const arg of call.arguments) collect(arg, seen);
        return;
      }
    }
    const declaration = declarationOf(callee);
    if (!declaration || !ours.has(declaration.getSourceFile().fileName)) return;
    if (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration)) collectReturns(declaration, seen);
    else if (ts.isVariableDeclaration(declaration) && declaration.initializer && (ts.isArrowFunction(declaration.initializer) || ts.isFunctionExpression(declaration.initializer))) {
      collectReturns(declaration.initializer, seen);
    }
  };

  const collectReturns = (fn: ts.SignatureDeclaration & { body?: ts.Node }, seen: Set<ts.Node>) => {
    if (seen.has(fn)) return;
    seen.add(fn);
    const body = fn.body;
    if (!body) return;
    if (!ts.isBlock(body)) return collect(body as ts.Expression, seen);
    const walk = (node: ts.Node): void => {
      if (ts.isFunctionLike(node)) return; // returns of nested functions are theirs
      if (ts.isReturnStatement(node) && node.expression) collect(node.expression, seen);
      ts.forEachChild(node, walk);
    };
    ts.forEachChild(body, walk);
  };

  const collectTemplate = (expr: ts.TemplateExpression) => {
    let spelled: string[] | null = [expr.head.text];
    let pattern = escapeRegex(expr.head.text);
    for (const span of expr.templateSpans) {
      const values = literalValues(checker.getTypeAtLocation(span.expression));
      spelled = values && spelled && spelled.length * values.length <= 1000 ? spelled.flatMap((s) => values.map((v) => s + v + span.literal.text)) : null;
      pattern += `.+${escapeRegex(span.literal.text)}`;
    }
    references.push({ kind, where: where(expr), ids: spelled ?? [], ...(spelled ? {} : { pattern: new RegExp(`^${pattern}$`) }), source: expr.getText() });
  };

  const declarationOf = (node: ts.Node): ts.Declaration | undefined => {
    let symbol = checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  };

  const isSinkCall = (call: ts.CallExpression): boolean => sinkName(call) !== null;
  const sinkName = (call: ts.CallExpression): string | null => {
    const callee = call.expression;
    if (ts.isIdentifier(callee) && (SINKS.calls.includes(callee.text) || SINKS.messages.includes(callee.text))) return callee.text;
    if (ts.isPropertyAccessExpression(callee)) {
      const name = callee.name.text;
      if (SINKS.calls.includes(name) || SINKS.messages.includes(name)) return name;
      if (SINKS.promptMethods.includes(name) && /prompt/i.test(callee.expression.getText())) return `prompts.${name}`;
    }
    return null;
  };

  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const sink = sinkName(node);
        if (sink) {
          sinksSeen.add(sink);
          kind = SINKS.messages.includes(sink) ? "message" : "prompt";
          // A message's first argument is its id; the rest are the values it is filled with.
          const args = kind === "message" ? node.arguments.slice(0, 1) : node.arguments;
          for (const arg of args) collect(arg, new Set());
          kind = "prompt";
        }
      } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text in SINKS.constructors) {
        sinksSeen.add(`new ${node.expression.text}`);
        kind = "prompt";
        const arg = node.arguments?.[SINKS.constructors[node.expression.text]!];
        if (arg) collect(arg, new Set());
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { references, sinksSeen };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

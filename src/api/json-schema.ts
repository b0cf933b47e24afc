import { z } from "zod";

/**
 * zod → JSON Schema (2020-12, what OpenAPI 3.1 speaks), converted once per schema and cached. The
 * route's zod schema validates; this copy only documents it in /docs.
 */
const caches = { input: new WeakMap<z.ZodType, Record<string, unknown>>(), output: new WeakMap<z.ZodType, Record<string, unknown>>() };

export function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input"): Record<string, unknown> {
  const cache = caches[io];
  let js = cache.get(schema);
  if (!js) {
    js = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
    delete js.$schema;
    js = inlineDefs(js);
    cache.set(schema, js);
  }
  return js;
}

/**
 * Recursive schemas come out with `$defs` and local `$ref`s, which the OpenAPI generator cannot
 * resolve inside a route. Unroll them to a fixed depth instead (the catalogue is a shallow tree).
 */
function inlineDefs(root: Record<string, unknown>, depth = 4): Record<string, unknown> {
  const defs = (root.$defs ?? {}) as Record<string, Record<string, unknown>>;
  if (Object.keys(defs).length === 0) return root;
  const walk = (node: unknown, level: number): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, level));
    if (node === null || typeof node !== "object") return node;
    const obj = node as Record<string, unknown>;
    if (typeof obj.$ref === "string" && obj.$ref.startsWith("#/$defs/")) {
      const target = defs[obj.$ref.slice("#/$defs/".length)];
      return level >= depth || !target ? { type: "object" } : walk(target, level + 1);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (k !== "$defs") out[k] = walk(v, level);
    return out;
  };
  return walk(root, 0) as Record<string, unknown>;
}

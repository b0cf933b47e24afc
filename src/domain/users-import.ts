import { takingTurns } from "../shared/turns.js";
import { CsvFileError, readCsv, refuseReplacementCharacters } from "./csv.js";
import { userInputSchema, type ValidUserInput } from "./user-schemas.js";

/**
 * CSV import of users. Header row names the columns (English or Portuguese):
 * code/codigo, name/nome, phone/celular/telefone, extensions/ramais, department/departamento,
 * active/ativo. Only code and name are required; on re-import, columns the file lacks keep their
 * stored values, while an empty cell clears an optional field. Every row is validated here first;
 * then UserRepository.importCsv writes each good row in its own transaction (a user and their
 * extensions together or not at all). Rows already present (same code) are updated, so importing
 * the same file twice changes nothing.
 */
export interface ImportRejection {
  line: number;
  code: string | null;
  field: string | null;
  reason: string;
}

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: ImportRejection[];
}

const COLUMNS: Record<string, keyof ValidUserInput> = {
  code: "code",
  codigo: "code",
  "código": "code",
  matricula: "code",
  "matrícula": "code",
  name: "name",
  nome: "name",
  phone: "phone",
  mobile: "phone",
  celular: "phone",
  telefone: "phone",
  whatsapp: "phone",
  extensions: "extensions",
  extension: "extensions",
  ramais: "extensions",
  ramal: "extensions",
  department: "department",
  departamento: "department",
  setor: "department",
  secretaria: "department",
  active: "active",
  ativo: "active",
};

const TRUE = new Set(["1", "true", "yes", "sim", "s", "y", "ativo"]);
const FALSE = new Set(["0", "false", "no", "nao", "não", "n", "inativo"]);

interface PreparedRow {
  line: number;
  input: ValidUserInput;
}

export interface PreparedImport {
  good: PreparedRow[];
  rejected: ImportRejection[];
  rows: number;
  /** Fields the file has a column for; on re-import the others keep their stored values. */
  columns: Set<keyof ValidUserInput>;
}

/**
 * Validates the whole file without writing anything. A big file is read and checked in turns (see
 * shared/turns.ts): the calls this process serves go on meanwhile. Throws CsvFileError when the
 * file as a whole is wrong (no header, a quote error, letters lost to a wrong decoding).
 */
export async function prepareImport(text: string, turn = takingTurns()): Promise<PreparedImport> {
  refuseReplacementCharacters(text);
  const records = await readCsv(text, turn);
  const header = records.shift();
  if (!header) throw new CsvFileError("header", "the file is empty: expected a header row (code,name,phone,extensions,department,active)");
  const map = header.fields.map((h) => COLUMNS[h.trim().toLowerCase()] ?? null);
  for (const required of ["code", "name"] as const) {
    if (!map.includes(required)) throw new CsvFileError("header", `the header row has no "${required}" column`, header.line);
  }
  const good: PreparedRow[] = [];
  const rejected: ImportRejection[] = [];
  const seen = new Map<string, number>();
  for (const rec of records) {
    await turn();
    const raw: Record<string, unknown> = {};
    map.forEach((column, i) => {
      if (column === null) return;
      const value = (rec.fields[i] ?? "").trim();
      if (column === "extensions") raw.extensions = value === "" ? [] : value.split(/[\s,;|/]+/).filter(Boolean);
      else if (column === "active") raw.active = value === "" ? true : TRUE.has(value.toLowerCase()) ? true : FALSE.has(value.toLowerCase()) ? false : value;
      else raw[column] = value === "" && column !== "code" && column !== "name" ? null : value;
    });
    const code = typeof raw.code === "string" && raw.code !== "" ? raw.code : null;
    if (rec.fields.length > header.fields.length) {
      rejected.push({ line: rec.line, code, field: null, reason: `${rec.fields.length} fields where the header has ${header.fields.length}` });
      continue;
    }
    const parsed = userInputSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? String(issue.path[0]) : null;
      const message = field === "active" ? "expected yes/no, sim/não, true/false or 1/0" : issue.message;
      rejected.push({ line: rec.line, code, field, reason: `${field ?? "row"}: ${message}` });
      continue;
    }
    const first = seen.get(parsed.data.code);
    if (first !== undefined) {
      rejected.push({ line: rec.line, code, field: "code", reason: `code: duplicate of line ${first}` });
      continue;
    }
    seen.set(parsed.data.code, rec.line);
    good.push({ line: rec.line, input: parsed.data });
  }
  const columns = new Set(map.filter((c): c is keyof ValidUserInput => c !== null));
  return { good, rejected, rows: records.length, columns };
}

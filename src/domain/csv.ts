/**
 * A small RFC 4180 reader: quoted fields (with "" for a quote and line breaks inside), CRLF or LF,
 * `,` or `;` as delimiter (spreadsheets set to pt-BR save with `;`), an optional UTF-8 BOM. Each
 * record keeps the line number it starts on, so a report can point at the file.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export function detectDelimiter(text: string): "," | ";" {
  const first = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const count = (ch: string) => first.split(ch).length - 1;
  return count(";") > count(",") ? ";" : ",";
}

export function parseCsv(text: string, delimiter = detectDelimiter(text)): CsvRecord[] {
  const src = text.replace(/^\uFEFF/, "");
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === "")) records.push({ line: recordLine, fields });
    fields = [];
    field = "";
    fieldStarted = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = "";
      fieldStarted = false;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      if (ch !== " " && ch !== "\t") fieldStarted = true;
    }
  }
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}

import { CsvError, Parser } from "csv-parse";

/**
 * Reading a CSV file as spreadsheets save it: RFC 4180 quoting (`""` for a quote, line breaks
 * inside quotes), CRLF, LF or CR, `,` or `;` as delimiter (spreadsheets set to pt-BR save with
 * `;`), an optional BOM. The parsing is csv-parse's, strict about quotes: a quote that never
 * closes used to turn the rest of the file into one field, skipping every user after it without a
 * word (issue 14 item 10); now the whole file is refused, naming the line. Each record keeps the
 * line number it starts on, so a report can point at the file as an editor shows it.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** What is wrong with the file as a whole: nothing of it is imported. */
export type CsvProblem = "header" | "quote" | "encoding";

export class CsvFileError extends Error {
  constructor(
    readonly problem: CsvProblem,
    message: string,
    /** The line the problem is on, when there is one. */
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = "CsvFileError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
// In the WHATWG encodings Node implements, "iso-8859-1" and "latin1" are this same decoder.
const windows1252 = new TextDecoder("windows-1252");

/**
 * A CSV file's bytes as text. Spreadsheets save CSV in UTF-8 or, Brazilian Excel's default, in
 * Windows-1252; decoding the latter as UTF-8 turned "José Conceição" into "Jos\uFFFD Concei\uFFFD\uFFFDo"
 * (issue 14 item 9). Valid UTF-8 (with or without a BOM) is UTF-8; anything else is Windows-1252,
 * which is ISO-8859-1 with letters where ISO-8859-1 has control codes. A file with NUL bytes is not
 * CSV text (an .xlsx, or UTF-16) and is refused, as is one whose text would have control codes.
 */
export function decodeCsv(bytes: Uint8Array): string {
  if (bytes.includes(0)) {
    throw new CsvFileError("encoding", "not a CSV text file (it has NUL bytes: a spreadsheet such as .xlsx or .ods, or text saved as UTF-16); save it as CSV, UTF-8 or Windows-1252");
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return utf8.decode(bytes);
  } catch {
    // A BOM says UTF-8: a byte that is not is damage, not another encoding.
    if (bom) throw new CsvFileError("encoding", "the file says it is UTF-8 (it starts with a BOM) but this line is not valid UTF-8", firstBadUtf8Line(bytes));
  }
  const text = windows1252.decode(bytes);
  const control = /[\u0080-\u009f]/.exec(text);
  if (control) throw new CsvFileError("encoding", "a byte that is not a character in UTF-8 nor in Windows-1252: save the file as CSV UTF-8", lineAt(text, control.index));
  return text;
}

/** Text that already holds U+FFFD was decoded with the wrong encoding on its way here: never stored. */
export function refuseReplacementCharacters(text: string): void {
  const at = text.indexOf("\uFFFD");
  if (at >= 0) {
    throw new CsvFileError(
      "encoding",
      "the text has U+FFFD (\uFFFD) in place of letters: it was decoded with the wrong encoding before it reached the API; send the file's own bytes as text/csv",
      lineAt(text, at),
    );
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function firstBadUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    try {
      utf8.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end < 0) return line;
    start = end + 1;
    line++;
  }
}

export function detectDelimiter(text: string): "," | ";" {
  // The header row only: a regex split of a big file would read all of it at once.
  const first = (/^\uFEFF?([^\r\n]*)/.exec(text.slice(0, 64 * 1024))?.[1] ?? "");
  const count = (ch: string) => first.split(ch).length - 1;
  return count(";") > count(",") ? ";" : ",";
}

/** Characters per write to the parser: a few milliseconds of parsing between turns. */
const SLICE = 64 * 1024;

/**
 * Parses `text` into records. `turn` is awaited between slices (see shared/turns.ts), so a big file
 * does not hold the event loop. Throws CsvFileError("quote") on a quote error.
 */
export async function readCsv(text: string, turn: () => Promise<void> = async () => undefined): Promise<CsvRecord[]> {
  const parser = new Parser({
    delimiter: detectDelimiter(text),
    bom: true,
    // Line ends are made LF before parsing (below): csv-parse counts a CRLF inside quotes as two lines.
    record_delimiter: "\n",
    relax_quotes: false,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  const records: CsvRecord[] = [];
  let lastEnd = 0;
  const take = () => {
    let row: { record: string[]; info: { lines: number } } | null;
    while ((row = parser.read() as typeof row) !== null) {
      const fields = row.record;
      lastEnd = row.info.lines;
      // info.lines is the line the record ends on; line breaks inside its quotes came before.
      const inside = fields.reduce((n, f) => n + f.split("\n").length - 1, 0);
      if (fields.length === 1 && fields[0]!.trim() === "") continue;
      records.push({ line: lastEnd - inside, fields });
    }
  };
  const finished = new Promise<void>((resolve, reject) => {
    parser.on("readable", take);
    parser.on("end", resolve);
    parser.on("error", reject);
  });
  finished.catch(() => undefined);
  let carry = "";
  for (let at = 0; at < text.length && !parser.errored; at += SLICE) {
    let slice = carry + text.slice(at, at + SLICE);
    // A CRLF cut between two slices: keep the CR for the next one.
    carry = slice.endsWith("\r") && at + SLICE < text.length ? "\r" : "";
    if (carry) slice = slice.slice(0, -1);
    parser.write(slice.replace(/\r\n?/g, "\n"));
    // Read what this slice made now, so the parsing happens here, between turns, not all at the end.
    take();
    await turn();
  }
  parser.end();
  try {
    await finished;
  } catch (err) {
    if (err instanceof CsvError) throw quoteError(err, text, lastEnd);
    throw err;
  }
  return records;
}

function quoteError(err: CsvError, text: string, lastEnd: number): CsvFileError {
  const detected = typeof (err as { lines?: unknown }).lines === "number" ? (err as unknown as { lines: number }).lines : null;
  switch (err.code) {
    case "CSV_QUOTE_NOT_CLOSED": {
      // csv-parse names the last line; the quote opened in the record after the last one read.
      const lines = text.replace(/\r\n?/g, "\n").split("\n");
      let line = lastEnd + 1;
      while (line < lines.length && lines[line - 1]!.trim() === "") line++;
      return new CsvFileError("quote", 'a quote (") opens a field here and never closes, so every line after it would be one field; close it, or write a quote inside a field as two ("")', line);
    }
    case "INVALID_OPENING_QUOTE":
      return new CsvFileError("quote", 'a quote (") in the middle of a field; put the whole field in quotes and write the quote as two ("Ana ""Bia"" Souza")', detected);
    case "CSV_INVALID_CLOSING_QUOTE":
      return new CsvFileError("quote", 'text after a closing quote ("); put the whole field in quotes and write a quote inside it as two ("")', detected);
    default:
      return new CsvFileError("quote", err.message, detected);
  }
}

import { LlmrError } from '../errors.js';

/** One parsed CSV row with the 1-based line of the file it starts on (fields may span lines). */
export interface CsvRow {
  fields: string[];
  line: number;
}

/**
 * RFC 4180 CSV parser: fields separated by `,`, records by CRLF or LF, fields optionally quoted with `"`,
 * `""` inside a quoted field is one quote, and quoted fields may hold commas and line breaks. A leading
 * UTF-8 BOM is dropped. A blank final line is not a record. An unterminated quote, or text after a closing
 * quote, is an LlmrError naming the line.
 */
export function parseCsvRows(text: string, where = 'csv'): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  let fields: string[] = [];
  let rowLine = 1;
  let field = '';
  let atFieldStart = true;
  const endField = () => {
    fields.push(field);
    field = '';
    atFieldStart = true;
  };
  const endRow = () => {
    endField();
    rows.push({ fields, line: rowLine });
    fields = [];
  };
  while (i < n) {
    const c = text[i]!;
    if (atFieldStart && c === '"') {
      // quoted field
      const startLine = line;
      i++;
      let closed = false;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          i = n;
          break;
        }
        const chunk = text.slice(i, q);
        field += chunk;
        for (let p = chunk.indexOf('\n'); p >= 0; p = chunk.indexOf('\n', p + 1)) line++;
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        closed = true;
        break;
      }
      if (!closed)
        throw new LlmrError(`${where} line ${startLine}: unterminated quoted field`, {
          where: `${where}:${startLine}`,
          fix: 'close the quote; a literal quote inside a quoted field is written ""',
        });
      atFieldStart = false;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new LlmrError(`${where} line ${line}: unexpected character ${JSON.stringify(next)} after a closing quote`, {
          where: `${where}:${line}`,
          fix: 'quote the whole field and double any quote inside it ("")',
        });
      }
      continue;
    }
    if (c === ',') {
      endField();
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
      continue;
    }
    // unquoted field: take everything up to the next delimiter in one slice
    let j = i;
    while (j < n) {
      const cc = text.charCodeAt(j);
      if (cc === 44 || cc === 10 || cc === 13) break;
      j++;
    }
    field += text.slice(i, j);
    atFieldStart = false;
    i = j;
  }
  // last record without a trailing newline (an empty trailing line is not a record)
  if (!atFieldStart || fields.length > 0 || field !== '') endRow();
  return rows;
}

/** A header-keyed CSV: the first row names the columns. Rows with a different field count are errors. */
export function parseCsv(text: string, where = 'csv'): { header: string[]; rows: { values: Record<string, string>; line: number }[] } {
  const all = parseCsvRows(text, where);
  if (all.length === 0) throw new LlmrError(`${where}: empty CSV (no header row)`, { where, fix: 'the first line must name the columns' });
  const header = all[0]!.fields;
  // a blank line (one empty field) is not a record
  const rows = all
    .slice(1)
    .filter((r) => !(r.fields.length === 1 && r.fields[0] === ''))
    .map((r) => {
      if (r.fields.length !== header.length) {
        throw new LlmrError(`${where} line ${r.line}: ${r.fields.length} fields, header has ${header.length}`, {
          where: `${where}:${r.line}`,
          fix: 'quote fields that contain commas or line breaks',
        });
      }
      const values: Record<string, string> = {};
      header.forEach((h, k) => (values[h] = r.fields[k]!));
      return { values, line: r.line };
    });
  return { header, rows };
}

/** Serialise rows as RFC 4180 CSV (fields quoted only when needed; LF line ends). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const q = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(q).join(',')).join('\n') + '\n';
}

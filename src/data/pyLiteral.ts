import { LlmrError } from '../errors.js';

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' };
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isPrefix = (c: string | undefined) => c === 'r' || c === 'R' || c === 'u' || c === 'U';
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';

/** Cursor over a Python list literal; methods (not per-call closures) keep it fast on MB-sized columns. */
class PyListReader {
  i = 0;
  constructor(
    readonly src: string,
    readonly where: string,
  ) {}

  fail(what: string): never {
    const { src, i } = this;
    throw new LlmrError(`${this.where}: ${what} at offset ${i} in ${JSON.stringify(src.slice(Math.max(0, i - 20), i + 20))}`, {
      where: this.where,
      fix: "expected a Python list of strings such as ['text']",
    });
  }

  ws(): void {
    while (this.i < this.src.length && isSpace(this.src[this.i])) this.i++;
  }

  hex(len: number, esc: string): string {
    const h = this.src.slice(this.i + 2, this.i + 2 + len);
    if (h.length !== len || !/^[0-9a-fA-F]+$/.test(h)) this.fail(`bad \\${esc} escape`);
    this.i += 2 + len;
    return String.fromCodePoint(parseInt(h, 16));
  }

  /** One string literal (prefixes r/u, single/double/triple quotes, Python escapes). */
  str(): string {
    const src = this.src;
    const n = src.length;
    let raw = false;
    while (this.i < n && isPrefix(src[this.i])) {
      if (src[this.i] === 'r' || src[this.i] === 'R') raw = true;
      this.i++;
    }
    const q = src[this.i];
    if (q !== "'" && q !== '"') this.fail('expected a string literal');
    const qc = q.charCodeAt(0);
    const triple = src.startsWith(q.repeat(3), this.i);
    const quote = triple ? q.repeat(3) : q;
    this.i += quote.length;
    let out = '';
    for (;;) {
      let i = this.i;
      if (i >= n) this.fail('unterminated string literal');
      // copy the run of plain characters up to the next backslash, quote or line break in one slice
      let j = i;
      while (j < n) {
        const cc = src.charCodeAt(j);
        if (cc === 92 || cc === 10 || cc === qc) break;
        j++;
      }
      if (j > i) {
        out += src.slice(i, j);
        this.i = i = j;
        continue;
      }
      const c = src[i]!;
      if (c === q) {
        if (src.startsWith(quote, i)) {
          this.i = i + quote.length;
          return out;
        }
        out += c; // a lone quote inside a triple-quoted string
        this.i++;
        continue;
      }
      if (c === '\n') {
        if (!triple) this.fail('line break inside a string literal');
        out += c;
        this.i++;
        continue;
      }
      // backslash
      const e = src[i + 1];
      if (e === undefined) this.fail('dangling backslash');
      if (raw) {
        out += '\\' + e;
        this.i += 2;
      } else if (e === '\n') {
        this.i += 2; // line continuation
      } else if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        this.i += 2;
      } else if (e === 'x') out += this.hex(2, e);
      else if (e === 'u') out += this.hex(4, e);
      else if (e === 'U') out += this.hex(8, e);
      else if (isOctal(e)) {
        let k = i + 1;
        while (k < i + 4 && isOctal(src[k])) k++;
        out += String.fromCharCode(parseInt(src.slice(i + 1, k), 8));
        this.i = k;
      } else {
        out += '\\' + e; // Python keeps unknown escapes verbatim
        this.i += 2;
      }
    }
  }

  list(): string[] {
    const src = this.src;
    this.ws();
    const open = src[this.i];
    if (open !== '[' && open !== '(') this.fail('expected [ or (');
    const close = open === '[' ? ']' : ')';
    this.i++;
    const items: string[] = [];
    this.ws();
    while (src[this.i] !== close) {
      if (this.i >= src.length) this.fail(`unterminated list, expected ${close}`);
      let s = this.str();
      this.ws();
      // adjacent literals concatenate: 'a' 'b'
      while (
        src[this.i] === "'" ||
        src[this.i] === '"' ||
        (isPrefix(src[this.i]) && (src[this.i + 1] === "'" || src[this.i + 1] === '"' || isPrefix(src[this.i + 1])))
      ) {
        s += this.str();
        this.ws();
      }
      items.push(s);
      if (src[this.i] === ',') {
        this.i++;
        this.ws();
      } else if (src[this.i] !== close) this.fail(`expected , or ${close}`);
    }
    this.i++;
    this.ws();
    if (this.i !== src.length) this.fail('trailing text after the list');
    return items;
  }
}

/**
 * Safe parser for a Python literal that is a list (or tuple) of strings, e.g. `['a', "b\\n"]`, as
 * RouterBench stores prompts and responses (`str(list)` in pandas). Never evaluates code: only string
 * literals with single, double or triple quotes (optionally r/u prefixed), Python escapes (\\n \\t \\' \\"
 * \\\\ \\xhh \\uhhhh \\Uhhhhhhhh \\ooo, backslash-newline), adjacent-literal concatenation, commas and an
 * optional trailing comma. Anything else is an LlmrError naming the offset.
 */
export function parsePyStringList(src: string, where = 'python list literal'): string[] {
  return new PyListReader(src, where).list();
}

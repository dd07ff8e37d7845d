import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, parseCsvRows, toCsv } from '../../src/data/csv.js';
import { writeJsonl } from '../../src/data/files.js';
import { parsePyStringList } from '../../src/data/pyLiteral.js';
import { fileFormatOf, readRecords, validateFile } from '../../src/data/readRecords.js';
import { LlmrError, UnknownOptionError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'llmr-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('parseCsvRows (RFC 4180)', () => {
  it('handles quoted commas, doubled quotes, multi-line fields, CRLF and the start line of each row', () => {
    const rows = parseCsvRows('a,b,c\r\n"x, y","he said ""hi""","line1\nline2\nline3"\r\n1,,3\n');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'he said "hi"', 'line1\nline2\nline3'],
      ['1', '', '3'],
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5]);
  });
  it('keeps a final record without a trailing newline, an empty last field, and an empty quoted field', () => {
    expect(parseCsvRows('a,b\n1,').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
    expect(parseCsvRows('a,b\n"",x').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['', 'x'],
    ]);
  });
  it('drops a BOM and skips blank lines in keyed parsing', () => {
    const { header, rows } = parseCsv('\ufeffid,v\n1,2\n\n3,4\n');
    expect(header).toEqual(['id', 'v']);
    expect(rows.map((r) => r.values.v)).toEqual(['2', '4']);
  });
  it('names the line of an unterminated quote and of stray text after a quote', () => {
    expect(() => parseCsvRows('a\n"abc\ndef', 'x.csv')).toThrow(/x\.csv line 2: unterminated quoted field/);
    expect(() => parseCsvRows('a,b\n"ab"c,d', 'x.csv')).toThrow(/x\.csv line 2: unexpected character "c"/);
  });
  it('rejects rows with the wrong field count', () => {
    expect(() => parseCsv('a,b\n1,2,3\n', 'y.csv')).toThrow(/y\.csv line 2: 3 fields, header has 2/);
  });
  it('round-trips through toCsv', () => {
    const rows = [
      ['a,b', 'q"q', 'l1\nl2'],
      ['', 'x', '3'],
    ];
    const { rows: back } = parseCsv(toCsv(['c1', 'c2', 'c3'], rows));
    expect(back.map((r) => [r.values.c1, r.values.c2, r.values.c3])).toEqual(rows);
  });
});

describe('parsePyStringList', () => {
  it('parses both quote styles, escapes, and several strings', () => {
    expect(parsePyStringList(`['a', "b"]`)).toEqual(['a', 'b']);
    expect(parsePyStringList(`["it's", 'say "hi"']`)).toEqual(["it's", 'say "hi"']);
    expect(parsePyStringList(`['Here\\'s\\n\\tx\\\\y']`)).toEqual(["Here's\n\tx\\y"]);
    expect(parsePyStringList(`['\\x41\\u00e9\\U0001F600\\101']`)).toEqual(['Aé😀A']);
    expect(parsePyStringList(`[]`)).toEqual([]);
    expect(parsePyStringList(` ['a', ] `)).toEqual(['a']);
    expect(parsePyStringList(`['a' "b", r'\\d']`)).toEqual(['ab', '\\d']);
    expect(parsePyStringList(`['''x'y''']`)).toEqual(["x'y"]);
    expect(parsePyStringList(`['keep \\q unknown']`)).toEqual(['keep \\q unknown']);
  });
  it('never evaluates code: anything other than string literals is an error naming the offset', () => {
    expect(() => parsePyStringList(`[__import__('os')]`)).toThrow(LlmrError);
    expect(() => parsePyStringList(`['a', 1]`)).toThrow(/expected a string literal at offset 6/);
    expect(() => parsePyStringList(`['a'`)).toThrow(/unterminated list|expected , or \]/);
    expect(() => parsePyStringList(`['abc`)).toThrow(/unterminated string literal/);
    expect(() => parsePyStringList(`['a'] + x`)).toThrow(/trailing text/);
    expect(() => parsePyStringList(`'a'`)).toThrow(/expected \[ or \(/);
  });
});

const scoreRec = (id: string, s: Record<string, number | null>) => ({ id, prompt: `prompt ${id}`, task: 't', scores: s });

describe('readRecords', () => {
  it('reads JSONL, .jsonl.gz and JSON arrays identically (writeJsonl round-trip)', async () => {
    const recs = [scoreRec('1', { m1: 1, m2: 0 }), scoreRec('2', { m1: null, m2: 0.5 })];
    writeJsonl(join(dir, 'a.jsonl'), recs);
    writeJsonl(join(dir, 'a.jsonl.gz'), recs);
    file('a.json', JSON.stringify(recs));
    for (const f of ['a.jsonl', 'a.jsonl.gz', 'a.json']) expect(await readRecords(join(dir, f), 'scores')).toEqual(recs);
  });
  it('names file, line and field of an invalid JSONL record', async () => {
    const lines = Array.from({ length: 16 }, (_, k) => JSON.stringify(scoreRec(String(k), { 'gpt-4': 1 })));
    lines.push(JSON.stringify({ id: 'bad', prompt: 'p', scores: { 'gpt-4': 'high' } }));
    const p = file('data.jsonl', lines.join('\n') + '\n');
    const err = await readRecords(p, 'scores').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as LlmrError).message).toMatch(/^data\.jsonl line 17: scores\.gpt-4: expected number/);
    expect((err as LlmrError).field).toBe('scores.gpt-4');
  });
  it('names the line of invalid JSON and of a missing field, and the record of a JSON array', async () => {
    await expect(readRecords(file('b.jsonl', '{"id":"1"\n'), 'scores')).rejects.toThrow(/b\.jsonl line 1: invalid JSON/);
    await expect(readRecords(file('c.jsonl', JSON.stringify({ id: 'x', scores: {} }) + '\n'), 'scores')).rejects.toThrow(
      /c\.jsonl line 1: prompt: expected string/,
    );
    await expect(readRecords(file('d.json', JSON.stringify([scoreRec('1', { m: 1 }), { id: 'x', prompt: 'p' }])), 'scores')).rejects.toThrow(
      /d\.json record 2: scores: expected record/,
    );
    await expect(readRecords(file('e.json', '{"a":1}'), 'scores')).rejects.toThrow(/expected a JSON array/);
  });
  it('validates pairwise records (winner enum)', async () => {
    const ok = { id: 'p1', prompt: 'q', model_a: 'x', model_b: 'y', winner: 'a', votes: ['a', 'a', 'tie'] };
    const p = file('p.jsonl', [ok, { ...ok, id: 'p2', winner: 'left' }].map((r) => JSON.stringify(r)).join('\n'));
    await expect(readRecords(p, 'pairwise')).rejects.toThrow(/p\.jsonl line 2: winner: /);
    expect(await readRecords(file('p2.jsonl', JSON.stringify(ok)), 'pairwise')).toEqual([ok]);
  });
  it('reads a flat CSV score table with quoted multi-line prompts, blank scores and costs', async () => {
    const csv = toCsv(
      ['id', 'prompt', 'task', 'score:gpt-4', 'score:mixtral', 'cost:gpt-4', 'response:gpt-4'],
      [
        ['r1', 'line one\nline "two", three', 'qa', '1', '', '0.002', 'yes'],
        ['r2', 'p2', '', 'True', '0.5', '', ''],
      ],
    );
    const recs = await readRecords(file('t.csv', csv), 'scores');
    expect(recs).toEqual([
      {
        id: 'r1',
        prompt: 'line one\nline "two", three',
        task: 'qa',
        scores: { 'gpt-4': 1, mixtral: null },
        cost: { 'gpt-4': 0.002 },
        responses: { 'gpt-4': 'yes' },
      },
      { id: 'r2', prompt: 'p2', scores: { 'gpt-4': 1, mixtral: 0.5 } },
    ]);
  });
  it('names the CSV line (of the row start) and column of a bad cell', async () => {
    const csv = toCsv(
      ['id', 'prompt', 'score:m'],
      [
        ['a', 'multi\nline', '1'],
        ['b', 'x', 'high'],
      ],
    );
    await expect(readRecords(file('bad.csv', csv), 'scores')).rejects.toThrow(/bad\.csv line 4: score:m: expected a number, got "high"/);
  });
  it('reads a flat pairwise CSV with | separated votes', async () => {
    const csv = toCsv(['id', 'prompt', 'model_a', 'model_b', 'winner', 'votes'], [['1', 'q', 'x', 'y', 'tie', 'a|b|tie']]);
    expect(await readRecords(file('pw.csv', csv), 'pairwise')).toEqual([
      { id: '1', prompt: 'q', model_a: 'x', model_b: 'y', winner: 'tie', votes: ['a', 'b', 'tie'] },
    ]);
  });
  it('reads Arrow IPC (file and stream) flat tables with nulls', async () => {
    const table = tableFromArrays({
      id: ['a', 'b'],
      prompt: ['p1', 'p2'],
      'score:m1': Float64Array.from([1, 0.25]),
      'score:m2': [null, 1] as (number | null)[],
    });
    for (const [name, fmt] of [
      ['t.arrow', 'file'],
      ['t.feather', 'file'],
      ['s.arrow', 'stream'],
    ] as const) {
      const recs = await readRecords(file(name, tableToIPC(table, fmt)), 'scores');
      expect(recs).toEqual([
        { id: 'a', prompt: 'p1', scores: { m1: 1, m2: null } },
        { id: 'b', prompt: 'p2', scores: { m1: 0.25, m2: 1 } },
      ]);
    }
  });
  it('reads Parquet flat tables (written by hyparquet-writer) with nulls, and names the row of a bad cell', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ['a', 'b'], type: 'STRING' },
        { name: 'prompt', data: ['p1', 'p2'], type: 'STRING' },
        { name: 'task', data: ['t', 't'], type: 'STRING' },
        { name: 'score:m1', data: [1, 0.25], type: 'DOUBLE' },
        { name: 'score:m2', data: [null, 1], type: 'DOUBLE' },
        { name: 'cost:m1', data: [0.002, 0.004], type: 'DOUBLE' },
      ],
    });
    expect(await readRecords(file('t.parquet', new Uint8Array(buf)), 'scores')).toEqual([
      { id: 'a', prompt: 'p1', task: 't', scores: { m1: 1, m2: null }, cost: { m1: 0.002 } },
      { id: 'b', prompt: 'p2', task: 't', scores: { m1: 0.25, m2: 1 }, cost: { m1: 0.004 } },
    ]);
    const bad = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ['a', 'b'], type: 'STRING' },
        { name: 'prompt', data: ['p', 'q'], type: 'STRING' },
        { name: 'score:m', data: ['1', 'high'], type: 'STRING' },
      ],
    });
    await expect(readRecords(file('bad.parquet', new Uint8Array(bad)), 'scores')).rejects.toThrow(/bad\.parquet row 2: score:m: expected a number/);
  });
  it('names the row of an invalid Arrow record', async () => {
    const table = tableFromArrays({ id: ['a', 'b'], prompt: ['p1', 'p2'], 'score:m1': ['1', 'x'] });
    await expect(readRecords(file('bad.arrow', tableToIPC(table, 'file')), 'scores')).rejects.toThrow(/bad\.arrow row 2: score:m1: expected a number/);
  });
  it('gives readable errors for an unknown extension, a missing file, a bad gzip and a bad Arrow file', async () => {
    expect(() => fileFormatOf('x.xlsx')).toThrow(UnknownOptionError);
    await expect(readRecords(join(dir, 'missing.jsonl'), 'scores')).rejects.toThrow(/cannot read .*missing\.jsonl: ENOENT/);
    await expect(readRecords(file('z.jsonl.gz', 'not gzip'), 'scores')).rejects.toThrow(/not a valid gzip file/);
    await expect(readRecords(file('z.arrow', 'nope'), 'scores')).rejects.toThrow(/not a readable Arrow IPC file/);
    await expect(readRecords(file('z.parquet', 'nope'), 'scores')).rejects.toThrow(/not a readable Parquet file/);
  });
  it('rejects unknown keys (costs for cost) with a did-you-mean, and empty scores', async () => {
    const costs = { id: 'a', prompt: 'p', scores: { m: 1 }, costs: { m: 0.1 } };
    const err = (await readRecords(file('k.jsonl', JSON.stringify(costs)), 'scores').catch((e: unknown) => e)) as LlmrError;
    expect(err).toBeInstanceOf(LlmrError);
    expect(err.message).toMatch(/k\.jsonl line 1: unknown key "costs" \(did you mean "cost"\?\)/);
    expect(err.field).toBe('costs');
    expect(err.fix).toMatch(/rename "costs" to "cost"/);
    await expect(
      readRecords(file('tk.jsonl', JSON.stringify({ id: 'a', prompt: 'p', scores: { m: 1 }, tokens: { m: { inputs: 3 } } })), 'scores'),
    ).rejects.toThrow(/unknown key "inputs" \(did you mean "input"\?\)/);
    await expect(
      readRecords(file('pk.jsonl', JSON.stringify({ id: 'a', prompt: 'p', model_a: 'x', model_b: 'y', winner: 'a', winer: 'b' })), 'pairwise'),
    ).rejects.toThrow(/unknown key "winer" \(did you mean "winner"\?\)/);
    await expect(readRecords(file('e.jsonl', JSON.stringify({ id: 'a', prompt: 'p', scores: {} })), 'scores')).rejects.toThrow(
      /e\.jsonl line 1: scores: scores is empty/,
    );
    const csv = toCsv(['id', 'prompt', 'score:m', 'costs:m'], [['a', 'p', '1', '0.1']]);
    await expect(readRecords(file('k.csv', csv), 'scores')).rejects.toThrow(/k\.csv line 2: unknown column "costs:m" \(did you mean "cost:m"\?\)/);
  });
  it('validateFile reports every non-JSON line, not only the first', async () => {
    const p = file(
      'nj.jsonl',
      [
        JSON.stringify(scoreRec('1', { m: 1 })),
        '{"id":',
        JSON.stringify(scoreRec('2', { m: 1 })),
        'not json',
        JSON.stringify({ id: '3', prompt: 'p', scores: {} }),
      ].join('\n'),
    );
    const rep = await validateFile(p, 'scores');
    expect(rep.rows).toBe(5);
    expect(rep.valid).toBe(2);
    expect(rep.errors).toHaveLength(3);
    expect(rep.errors[0]).toMatch(/nj\.jsonl line 2: invalid JSON/);
    expect(rep.errors[1]).toMatch(/nj\.jsonl line 4: invalid JSON/);
    expect(rep.errors[2]).toMatch(/nj\.jsonl line 5: scores: scores is empty/);
  });
  it('validateFile reports every bad row and duplicate ids', async () => {
    const lines = [scoreRec('1', { m: 1 }), { id: '2', prompt: 1, scores: {} }, scoreRec('1', { m: 0 }), { id: '4', prompt: 'x', scores: { m: 'a' } }];
    const p = join(dir, 'v.jsonl.gz');
    writeFileSync(p, gzipSync(lines.map((l) => JSON.stringify(l)).join('\n')));
    const rep = await validateFile(p, 'scores');
    expect(rep.rows).toBe(4);
    expect(rep.valid).toBe(2);
    expect(rep.errors).toHaveLength(2);
    expect(rep.errors[0]).toMatch(/v\.jsonl\.gz line 2: prompt/);
    expect(rep.errors[1]).toMatch(/line 4: scores\.m/);
    expect(rep.duplicateIds).toEqual(['1']);
  });
});

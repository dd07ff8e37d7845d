import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/util/rng.js';
import { DataType, encodeModel, floatTensor } from './onnxProto.js';

export const TINY_VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'cat',
  'sat',
  'on',
  'mat',
  'dog',
  'ran',
  'a',
  'hello',
  'world',
  'router',
  'model',
  'cheap',
  'expensive',
  'math',
  'poem',
  'write',
  'solve',
  'equation',
  'about',
  'sea',
  '##s',
] as const;

export interface TinyModel {
  /** Folder to use as localModelPath. */
  root: string;
  /** Model id (folder under root). */
  model: string;
  dim: number;
  vocab: Map<string, number>;
  /** Rows of the word-embedding table of onnx/model_quantized.onnx and onnx/model.onnx. */
  quantizedRows: Float32Array[];
  fp32Rows: Float32Array[];
  /** Token-type-0 embedding added to every position (as BERT's token_type_embeddings). */
  typeRow: Float32Array;
}

function table(rng: Rng, rows: number, dim: number, scale: number): Float32Array {
  const t = new Float32Array(rows * dim);
  for (let i = 0; i < t.length; i++) t[i] = rng.normal() * scale;
  // [PAD] gets a large constant row: pooling that ignored the attention mask would be pulled far towards it.
  for (let k = 0; k < dim; k++) t[k] = 25;
  return t;
}

/**
 * last_hidden_state[b, s] = word_embeddings[input_ids[b, s]] + token_type_embeddings[token_type_ids[b, s]];
 * attention_mask is accepted (as BERT exports do) and only used by the pipeline's mean pooling.
 */
function onnxModel(words: Float32Array, types: Float32Array, vocabSize: number, dim: number): Uint8Array {
  const seq = ['batch_size', 'sequence_length'];
  return encodeModel({
    name: 'tiny-bert',
    inputs: [
      { name: 'input_ids', elemType: DataType.INT64, shape: seq },
      { name: 'attention_mask', elemType: DataType.INT64, shape: seq },
      { name: 'token_type_ids', elemType: DataType.INT64, shape: seq },
    ],
    outputs: [{ name: 'last_hidden_state', elemType: DataType.FLOAT, shape: [...seq, dim] }],
    initializers: [floatTensor('word_embeddings', [vocabSize, dim], words), floatTensor('token_type_embeddings', [2, dim], types)],
    nodes: [
      { opType: 'Gather', inputs: ['word_embeddings', 'input_ids'], outputs: ['words_out'], intAttrs: { axis: 0 } },
      { opType: 'Gather', inputs: ['token_type_embeddings', 'token_type_ids'], outputs: ['types_out'], intAttrs: { axis: 0 } },
      { opType: 'Add', inputs: ['words_out', 'types_out'], outputs: ['last_hidden_state'] },
    ],
  });
}

function tokenizerJson(vocab: readonly string[]): unknown {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: vocab.slice(0, 5).map((t, i) => special(i, t)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

/**
 * Write a tiny BERT-shaped transformers.js model folder: config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model_quantized.onnx and onnx/model.onnx (different tables, so the `quantized` switch is observable).
 */
export function writeTinyModel(root: string, model = 'llmr-test/tiny-bert', dim = 8, seed = 7): TinyModel {
  const dir = join(root, model);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const rng = new Rng(seed);
  const V = TINY_VOCAB.length;
  const q = table(rng, V, dim, 1);
  const f = table(rng, V, dim, 1);
  const types = new Float32Array(2 * dim);
  for (let i = 0; i < types.length; i++) types[i] = rng.normal() * 0.1;
  writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), onnxModel(q, types, V, dim));
  writeFileSync(join(dir, 'onnx', 'model.onnx'), onnxModel(f, types, V, dim));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: dim,
      vocab_size: V,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      pad_token_id: 0,
    }),
  );
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(TINY_VOCAB)));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[MASK]',
    }),
  );
  const rows = (t: Float32Array) => Array.from({ length: V }, (_, i) => t.slice(i * dim, (i + 1) * dim));
  return { root, model, dim, vocab: new Map(TINY_VOCAB.map((t, i) => [t, i])), quantizedRows: rows(q), fp32Rows: rows(f), typeRow: types.slice(0, dim) };
}

/** What the featurizer must return for a prompt of known words: mean of [CLS] words [SEP] rows (+ type row), L2-normalised. */
export function expectedVector(m: TinyModel, words: string[], rows = m.quantizedRows): Float32Array {
  const ids = [m.vocab.get('[CLS]')!, ...words.map((w) => m.vocab.get(w) ?? m.vocab.get('[UNK]')!), m.vocab.get('[SEP]')!];
  const v = new Float64Array(m.dim);
  for (const id of ids) for (let k = 0; k < m.dim; k++) v[k]! += rows[id]![k]! + m.typeRow[k]!;
  let s = 0;
  for (let k = 0; k < m.dim; k++) s += (v[k]! / ids.length) ** 2;
  const n = Math.sqrt(s);
  return Float32Array.from(v, (x) => x / ids.length / n);
}

import { wordTokens } from '../featurizers/tokenize.js';

/**
 * Cheap hand-made features of one response to one prompt: length, degeneration (repetition), relevance to
 * the prompt, copying, shape. They are what a bag-of-words featurizer cannot see, cost microseconds, and
 * carry most of the signal on small preference sets (length alone agrees with PandaLM's humans 67% of the
 * time). The ranker standardises them with training means/stds.
 */
export const TEXT_FEATURE_NAMES = [
  'log_chars',
  'log_words',
  'log_len_ratio',
  'very_short',
  'empty',
  'type_token_ratio',
  'repeated_trigrams',
  'repeated_lines',
  'log_lines',
  'prompt_word_coverage',
  'copied_from_prompt',
  'equals_prompt_tail',
  'ends_with_punctuation',
  'list_lines',
  'question_marks',
  'digit_ratio',
  'non_ascii_ratio',
  'refusal',
  'apology',
  'warning',
  'cosine_to_prompt',
] as const;
export const TEXT_FEATURE_COUNT = TEXT_FEATURE_NAMES.length;

const REFUSAL = /\b(i can(?:no|')t|i cannot|i won'?t|i'm not able|i am not able|i don'?t think i|as an ai|i'm not comfortable|i do not feel comfortable)\b/;
const APOLOGY = /\b(sorry|apologi[sz]e)\b/;
const WARNING = /\b(illegal|dangerous|harmful|unsafe|not a good idea|shouldn'?t|unethical|against the law|seek help|professional)\b/;

function trigrams(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 3 <= words.length; i++) out.push(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

/**
 * Features of `response` to `prompt`, in TEXT_FEATURE_NAMES order. `cosine` is the featurizer's cosine
 * similarity of prompt and response vectors (computed by the caller, who has both).
 */
export function textFeatures(prompt: string, response: string, cosine = 0): Float32Array {
  const out = new Float32Array(TEXT_FEATURE_COUNT);
  const words = wordTokens(response);
  const pwords = wordTokens(prompt);
  const trimmed = response.trim();
  const lines = response
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const tri = trigrams(words);
  const pset = new Set(pwords);
  const wset = new Set(words);
  const ptri = new Set(trigrams(pwords));
  let covered = 0;
  for (const w of pset) if (wset.has(w)) covered++;
  let copied = 0;
  for (const t of tri) if (ptri.has(t)) copied++;
  let digits = 0;
  let nonAscii = 0;
  for (let i = 0; i < response.length; i++) {
    const c = response.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c > 127) nonAscii++;
  }
  const lower = trimmed.toLowerCase();
  const ptail = prompt.trim().toLowerCase();
  let q = 0;
  for (const ch of response) if (ch === '?') q++;
  const v = [
    Math.log1p(response.length),
    Math.log1p(words.length),
    Math.log((response.length + 1) / (prompt.length + 1)),
    words.length < 3 ? 1 : 0,
    trimmed.length === 0 ? 1 : 0,
    words.length ? wset.size / words.length : 0,
    tri.length ? 1 - new Set(tri).size / tri.length : 0,
    lines.length ? 1 - new Set(lines).size / lines.length : 0,
    Math.log1p(lines.length),
    pset.size ? covered / pset.size : 0,
    tri.length ? copied / tri.length : 0,
    lower.length > 0 && ptail.endsWith(lower) ? 1 : 0,
    /[.!?"')\]]$/.test(trimmed) ? 1 : 0,
    lines.length ? lines.filter((l) => /^(\d+[.)]|[-*•])\s/.test(l)).length / lines.length : 0,
    Math.log1p(q),
    response.length ? digits / response.length : 0,
    response.length ? nonAscii / response.length : 0,
    REFUSAL.test(lower) ? 1 : 0,
    APOLOGY.test(lower) ? 1 : 0,
    WARNING.test(lower) ? 1 : 0,
    cosine,
  ];
  for (let i = 0; i < v.length; i++) out[i] = v[i]!;
  return out;
}

/** Lower-cased word tokens: runs of letters/digits/underscore (unlike scikit-learn's default, 1-character tokens are kept). */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Character n-grams inside word boundaries (scikit-learn's `char_wb`): each word padded with spaces. */
export function charNgrams(words: readonly string[], minN: number, maxN: number, out: string[] = []): string[] {
  for (const w of words) {
    const p = ` ${w} `;
    for (let n = minN; n <= maxN; n++) {
      if (p.length < n) {
        if (n === minN) out.push(p);
        break;
      }
      for (let i = 0; i + n <= p.length; i++) out.push(p.slice(i, i + n));
    }
  }
  return out;
}

/** Rough token count for price estimates when no tokenizer is at hand: ~4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

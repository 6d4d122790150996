/** WhatsApp's limit for a text message body, in characters. */
export const TEXT_BODY_LIMIT = 4096;

// Each boundary pattern yields the index where the part ends; whitespace around it is trimmed away.
const PARAGRAPH = /\n[^\S\n]*\n/g; // a blank line
const LINE = /\n/g; // list items and short lines in chat replies rarely end with punctuation
// Sentence ends: Latin, Arabic (؟ ۔), Devanagari (।) and CJK (。！？, which take no space after them).
const SENTENCE = /[.!?…؟۔।][)\]"'”’»]*(?=\s)|[。！？][)\]"'”’»」』]*/gu;
const WHITESPACE = /\s/g;

/** The last cut index in [minIndex, maxIndex]: a match's end for sentence ends, its start for separators; or -1. */
function lastBoundary(window: string, pattern: RegExp, minIndex: number, maxIndex: number, useEnd: boolean): number {
  let best = -1;
  pattern.lastIndex = 0;
  for (let found = pattern.exec(window); found !== null; found = pattern.exec(window)) {
    const index = useEnd ? found.index + found[0].length : found.index;
    if (index > maxIndex) break;
    if (index >= minIndex) best = index;
  }
  return best;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Splits a text longer than `limit` (UTF-16 code units, default 4096) into trimmed, non-empty parts of at most
 * `limit`. Each part ends at the last paragraph break, else line break, else sentence end, else whitespace
 * that keeps the part at least half full (fewer parts: Meta rate-limits messages to one user); else the text
 * is cut hard, never inside a surrogate pair. A text within the limit comes back as `[text]`; a blank one as `[]`.
 */
export function splitText(text: string, limit: number = TEXT_BODY_LIMIT): string[] {
  if (!Number.isInteger(limit) || limit < 2) {
    throw new RangeError(`splitText: limit must be an integer of at least 2, got ${limit}`);
  }
  if (text.trim() === '') return [];
  if (text.length <= limit) return [text];

  const parts: string[] = [];
  const minIndex = Math.ceil(limit / 2);
  let start = 0;
  while (start < text.length) {
    // Skip the whitespace a previous cut left behind, so each window starts with content.
    while (start < text.length && /\s/.test(text[start]!)) start += 1;
    if (text.length - start <= limit) {
      const last = text.slice(start).trim();
      if (last !== '') parts.push(last);
      break;
    }
    // One character past the limit, so that a separator right after a full part still counts.
    const window = text.slice(start, start + limit + 1);
    let cut = lastBoundary(window, PARAGRAPH, minIndex, limit, false);
    if (cut < 0) cut = lastBoundary(window, LINE, minIndex, limit, false);
    if (cut < 0) cut = lastBoundary(window, SENTENCE, minIndex, limit, true);
    if (cut < 0) cut = lastBoundary(window, WHITESPACE, minIndex, limit, false);
    if (cut < 0) {
      cut = limit;
      if (isHighSurrogate(text.charCodeAt(start + cut - 1))) cut -= 1;
    }
    const part = text.slice(start, start + cut).trim();
    if (part !== '') parts.push(part);
    start += cut;
  }
  return parts;
}

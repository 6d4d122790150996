import { normalizeText } from './normalize-text.js';

/** Finds escalation keywords in user text; built once per keyword list by compileKeywords. */
export interface KeywordMatcher {
  /** The keyword (as written in the list) found in `text`, or null. */
  match(text: string): string | null;
}

const NEVER: KeywordMatcher = { match: () => null };

// Only syntax characters: with the `u` flag an escaped non-syntax character such as `\-` is a SyntaxError.
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;
const WHITESPACE = /\s+/gu;

function collapseWhitespace(text: string): string {
  return text.trim().replace(WHITESPACE, ' ');
}

/**
 * Compiles keywords into one Unicode-aware RegExp, so matching a message is one scan.
 * Case-, accent- and whitespace-insensitive; a keyword matches only as whole words (neighbours that are
 * not letters or digits, per \p{L}\p{N}). When several keywords occur, the one starting first in the text
 * wins; at the same position the longest wins (`call me` over `call`). Blank keywords are ignored, and an
 * empty list never matches.
 */
export function compileKeywords(keywords: readonly string[]): KeywordMatcher {
  // Keyed by folded form, so the matched text maps back to the keyword as configured; first spelling wins.
  const keywordByForm = new Map<string, string>();
  for (const keyword of keywords) {
    const form = collapseWhitespace(normalizeText(keyword));
    if (form !== '' && !keywordByForm.has(form)) keywordByForm.set(form, keyword);
  }
  if (keywordByForm.size === 0) return NEVER;

  // Alternation tries branches left to right at each position: longest first makes the longest keyword win.
  const alternatives = [...keywordByForm.keys()]
    .sort((a, b) => b.length - a.length)
    .map((form) => form.split(' ').map((word) => word.replace(REGEX_SYNTAX, '\\$&')).join('\\s+'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'u');

  return {
    match(text: string): string | null {
      const found = pattern.exec(normalizeText(text));
      if (!found) return null;
      return keywordByForm.get(collapseWhitespace(found[0])) ?? null;
    },
  };
}

// Tatweel (U+0640) only stretches Arabic words on screen; left in, it would split one word into two for matching.
const MARKS = /[\p{M}\u0640]+/gu;

/**
 * Folds text for matching: Unicode NFKD, combining marks and Arabic tatweel removed, lower-cased.
 * `Emergência` → `emergencia`, `ＳＯＳ` → `sos`, `أ` → `ا`. Not for display: the result loses accents.
 */
export function normalizeText(text: string): string {
  // NFKD first so that marks split off by decomposition (é → e + ◌́, İ → I + ◌̇) are the ones removed.
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

// A guardrail, so it leans towards "yes": a reply wrongly held back costs a rewrite, a price wrongly sent can cost
// a sale or a regulator's letter. Plain counts (bedrooms, floors, years, phone numbers, areas) must still pass.

/** Word edges that also work for Arabic, which JavaScript's \b treats as non-word characters. */
const START = String.raw`(?<![\p{L}\p{N}_])`;
const END = String.raw`(?![\p{L}\p{N}_])`;
/** Edges for currency and scale words, which may touch a number: AED2.5M, 2.5mn, 850,000USD. */
const LETTER_START = String.raw`(?<![\p{L}_])`;
const LETTER_END = String.raw`(?![\p{L}_])`;
/** Arabic glues "with", "and", "the", "for the" to the next word: بمليون, والدراهم, للقدم. */
const AR_PREFIX = '(?:بال|وال|لل|ال|ب|و|ل)?';

/**
 * A number as written: 2,500,000 or 2.500.000 or 1.2 or 2026; never part of a word (Q3) and always whole, so that
 * a lookahead after it cannot backtrack into "250,000" of "250,000,000 sq ft".
 */
const NUMBER = String.raw`(?<![A-Za-z\d.,])\d(?:[\d.,]*\d)?(?![.,]?\d)`;

const CURRENCY_SYMBOLS = String.raw`(?:US\$|R\$|A\$|C\$|\$|€|£|¥|₹|د\.إ|ر\.س|ر\.ق)`;
const CURRENCY_WORDS = [
  'aed', 'usd', 'eur', 'gbp', 'brl', 'sar', 'qar', 'kwd', 'bhd', 'omr', 'inr', 'cad', 'aud', 'chf', 'cny',
  'dhs?', 'dirhams?', 'dirhems?', 'dollars?', 'bucks', 'euros?', 'pounds?', 'sterling', 'riyals?', 'rials?', 'rupees?',
  'dinars?', 'francs?', 'yen', 'yuan', 'reais', 'd[oó]lar(?:es)?', 'libras?',
].join('|');
const CURRENCY_WORDS_AR = 'درهم|دراهم|ريال|ريالات|ریال|دولار|دولارات|يورو|جنيه|جنيهات|دينار|دنانير';
const CURRENCY = String.raw`(?:${CURRENCY_SYMBOLS}|${LETTER_START}(?:${CURRENCY_WORDS})${LETTER_END}|${LETTER_START}${AR_PREFIX}(?:${CURRENCY_WORDS_AR})ا?${LETTER_END})`;

/** Words that scale a count into a large amount: 2.5 million, dois milhões, 1.5 crore, ثلاثة ملايين. */
const BIG_SCALE_WORDS = [
  'millions?', 'mio', 'mn', 'mln', 'billions?', 'bn', 'lakhs?', 'lacs?', 'crores?',
  'milh[aã]o', 'milh[oõ]es', 'bilh[aã]o', 'bilh[oõ]es', 'mill[oó]n', 'millones',
].join('|');
const BIG_SCALE_WORDS_AR = 'مليون|مليونا|مليوني|مليونين|ملايين|مليار|مليارات';
const BIG_SCALE = String.raw`(?:${LETTER_START}(?:${BIG_SCALE_WORDS})${LETTER_END}|${LETTER_START}${AR_PREFIX}(?:${BIG_SCALE_WORDS_AR})${LETTER_END})`;
/**
 * Any scale word, thousands included: 850 thousand, 500 mil, 900 ألف. Thousands count only after digits, since
 * "dois mil e vinte e sete" is the year 2027 and "a thousand thanks" is no amount.
 */
const SCALE = String.raw`(?:${BIG_SCALE}|${LETTER_START}(?:thousand|mil)${LETTER_END}|${LETTER_START}${AR_PREFIX}(?:ألف|الف|ألفي|ألفين|الفي|الفين|آلاف|الاف)${LETTER_END})`;
/** Scale words that name an amount by themselves, as "a million" does: مليون is "one million", مليوني "two million". */
const SELF_COUNTING_SCALE_AR = String.raw`${START}${AR_PREFIX}(?:مليون|مليونا|مليوني|مليونين|مليار)${END}`;

/** Number words that can count millions: "two", "half a", "dois", "ثلاثة". */
const NUMBER_WORDS = [
  'a', 'an', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'fifteen', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety', 'hundred', 'half', 'quarter',
  'few', 'several', 'couple', 'um', 'uma', 'dois', 'duas', 'tr[eê]s', 'quatro', 'cinco', 'seis', 'sete', 'oito', 'nove',
  'dez', 'vinte', 'cem', 'meio', 'meia', 'un', 'uno', 'una', 'dos', 'cuatro', 'siete', 'ocho', 'nueve', 'diez', 'medio',
].join('|');
const NUMBER_WORDS_AR = String.raw`واحد|اثنان|اثنين|ثلاث|ثلاثة|أربع|أربعة|اربعة|خمس|خمسة|ست|ستة|سبع|سبعة|ثمان|ثمانية|تسع|تسعة|عشر|عشرة|نصف|\p{L}*(?:مائة|مئة)`;
const NUMBER_WORD = String.raw`(?:${START}(?:${NUMBER_WORDS})${END}|${START}${AR_PREFIX}(?:${NUMBER_WORDS_AR})${END})`;
/** Between number words: "one and a half", "vinte e cinco", "ninety-nine". */
const WORD_GAP = String.raw`[\s-]+(?:(?:and|e|y|و)\s+)?`;
/** "two", "one and a half": only read after a currency, so a long reply is not rescanned from every word. */
const NUMBER_WORDS_RUN = String.raw`${NUMBER_WORD}(?:${WORD_GAP}${NUMBER_WORD})*`;

/** What follows a number that measures space, distance or people rather than money. */
const NOT_MONEY_AFTER = String.raw`\s*(?:sq\b|square|sqft|sqm|m2|ft\b|feet|foot|p[eé]s?\b|metros?|meters?|metres?|km|acres?|hectares?|visitors|residents|people|tourists|units|homes|apartments|pessoas|visitantes|moradores|habitantes|unidades|قدم|متر|م2|زائر|نسمة|وحدة)`;

/** An area unit after "per": "per sq ft", "/m²" (NFKC turns ² into 2), "por metro quadrado", "للقدم المربع". */
const PER_AREA = String.raw`(?:(?:per|a|each|por|o|/)\s*(?:sq\.?\s*(?:ft|feet|foot|m)\b|sqft|sqm|square\s+(?:foot|feet|met(?:er|re)s?)|m2|metro\s+(?:quadrado|cuadrado)|p[eé]\s+(?:quadrado|cuadrado)|pie\s+cuadrado)|psf\b|(?:لل|لكل\s+(?:ال)?)(?:قدم|متر)(?:\s+(?:ال)?مربع)?)`;
const PER_PERIOD = String.raw`(?:(?:/|per|a|por|ao|al)\s*(?:month|year|annum|night|week|m[eê]s|ano|a[nñ]o|noche|mo|yr)\b|monthly|yearly|annually|mensais|anuais|سنويا|شهريا|في\s+السنة|في\s+الشهر)`;

/** Words that introduce a price: "the price is 2,500,000", "custa 850.000", "بسعر 1,500,000". */
const PRICE_WORDS = String.raw`(?:${START}(?:prices?|priced|pricing|costs?|asking|valued|worth|pre[cç]os?|valor|custa|custam|precios?|cuesta|cuestan)${END}|${START}${AR_PREFIX}(?:سعر|السعر|ثمن|قيمة|تكلفة)${END})`;

const PATTERNS = {
  /** "$1.2M", "AED 2,500,000", "R$ 500 mil", "USD: 850,000", "AED two million". */
  currencyThenAmount: new RegExp(
    String.raw`${CURRENCY}\s*:?\s*(?:\d|${NUMBER_WORDS_RUN}\s+${BIG_SCALE}|${SELF_COUNTING_SCALE_AR})`,
    'iu',
  ),
  /** "850,000 USD", "2.5M dirhams", "2,5 milhões de reais", "900 ألف درهم". */
  numberThenCurrency: new RegExp(String.raw`\d\s*(?:[km](?![\p{L}\p{N}])|${SCALE})?\s*(?:(?:of|de|em|من)\s+)?${CURRENCY}`, 'iu'),
  /**
   * "two million dirhams", "dois milhões de reais", "مليوني درهم", "ثلاثة ملايين درهم": only the word touching the
   * currency is checked, as "one and a half million" ends in one, and matching whole runs is quadratic on long text.
   */
  wordsThenCurrency: new RegExp(
    String.raw`(?:${NUMBER_WORD}|${SCALE})\s+(?:(?:of|de|em|من)\s+)?${CURRENCY}`,
    'iu',
  ),
  /** "3.2 million", "500 mil", "1.5 crore", "2.5 مليون", unless space or people follow. */
  numberThenScale: new RegExp(String.raw`${NUMBER}\s*${SCALE}(?!${NOT_MONEY_AFTER})`, 'iu'),
  /** "two million", "half a million", "um milhão", "ثلاثة ملايين", "بمليوني", unless people follow. */
  wordsThenScale: new RegExp(
    String.raw`(?:${NUMBER_WORD}[\s-]+${BIG_SCALE}|${SELF_COUNTING_SCALE_AR})(?!${NOT_MONEY_AFTER})`,
    'iu',
  ),
  /** "900k", "2M", "1.2M": the capital M is millions; "200m" is metres, so a small m counts only with decimals. */
  numberThenLetter: new RegExp(String.raw`${NUMBER}(?:[kK]|M|(?<=[.,]\d+)m)(?![\p{L}\p{N}_])(?!${NOT_MONEY_AFTER}|\s*(?:from|away|to|of|high|wide|long|tall|walk|ceilings?)\b)`, 'u'),
  /** "1,850 per sq ft", "AED 1,200/sq ft", "1,800 psf", "1.500 dirhams por pé quadrado", "1,500 درهم للقدم المربع". */
  perArea: new RegExp(String.raw`${NUMBER}\s*(?:${CURRENCY}\s*)?${PER_AREA}`, 'iu'),
} as const;

/** Numbers that are money only by context: after a price word, or before "per month". Captures the number. */
const AFTER_PRICE_WORD = new RegExp(String.raw`${PRICE_WORDS}(?:[\s:=-]+[\p{L}.]{1,12}){0,3}[\s:=-]+(${NUMBER})(?!${NOT_MONEY_AFTER})`, 'giu');
const BEFORE_PERIOD = new RegExp(String.raw`(${NUMBER})\s*${PER_PERIOD}`, 'giu');
/** A number in thousands groups: 2,500,000 or 850,000 or 2.500.000. */
const GROUPED = new RegExp(String.raw`(${NUMBER})(?!${NOT_MONEY_AFTER})`, 'gu');

/**
 * True when a reply states a price or an amount of money: a currency symbol or code next to a number ($1.2M,
 * AED 2,500,000, 2.5M dirhams, € 900k, R$ 500 mil, د.إ 1,000,000, 'USD 850,000'), an amount with
 * million/k/m/mil/milhões/millones, or 'per sq ft'/'per square foot' with a number. Not triggered by plain numbers:
 * '3 bedrooms', '2 bathrooms', 'Q3 2027', 'floor 24', '2026', phone numbers, 'within 6 months', '1,200 sq ft' without
 * money, times like '10:00'. Also true for words-only amounts like 'two million dirhams'.
 */
export function statesPrice(text: string): boolean {
  const normalized = normalize(text);
  if (Object.values(PATTERNS).some((pattern) => pattern.test(normalized))) return true;
  for (const match of normalized.matchAll(AFTER_PRICE_WORD)) if (isAmountSized(match[1]!)) return true;
  for (const match of normalized.matchAll(BEFORE_PERIOD)) if (isAmountSized(match[1]!)) return true;
  // A bare 2,500,000 in a property reply is a price even without a currency; counts that large are rare.
  for (const match of normalized.matchAll(GROUPED)) {
    const digits = match[1]!;
    const grouped = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(digits) || /^\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?$/.test(digits);
    if (grouped && numberValue(digits) >= 100_000) return true;
  }
  return false;
}

/** 1,000 or more and not a year: "price list from 2026" is not a price. */
function isAmountSized(written: string): boolean {
  if (/^(?:19|20)\d\d$/.test(written)) return false;
  return numberValue(written) >= 1000;
}

/** 2,500,000 and 2.500.000 → 2500000; 1.2 and 1,2 → 1.2. */
function numberValue(written: string): number {
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(written)) return Number(written.replaceAll(',', ''));
  if (/^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/.test(written)) return Number(written.replaceAll('.', '').replace(',', '.'));
  return Number.parseFloat(written.replace(',', '.'));
}

/**
 * One spelling for the patterns: compatibility forms folded (² → 2, fullwidth digits), Arabic-Indic digits and
 * separators made ASCII, Arabic diacritics and tatweel dropped, odd spaces made plain, direction marks removed.
 */
function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0))
    .replace(/\u066C/g, ',')
    .replace(/\u066B/g, '.')
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '')
    .replace(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '')
    .replace(/[\u00A0\u2007\u2009\u202F]/g, ' ');
}

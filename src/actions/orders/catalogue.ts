import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { SwitchboardError } from '../../shared/errors.js';
import { currencyDigits, parseMinorUnits } from './money.js';
import { parseCsvRecords } from './parse-csv.js';

/** One product a tenant sells. `priceMinor` is in minor units of `currency` (cents for USD). */
export interface CatalogueItem {
  sku: string;
  name: string;
  /** What one unit of `stock` and of `priceMinor` is: 'each', 'case', 'bag'. */
  unit: string;
  priceMinor: number;
  currency: string;
  stock: number;
  category: string | null;
  aliases: string[];
}

const FIELDS = ['sku', 'name', 'unit', 'price', 'stock', 'category', 'aliases'] as const;
const REQUIRED_FIELDS = ['sku', 'name', 'price', 'stock'] as const;

/** A row before validation: where it came from ('item 3', 'line 4') and its raw field values. */
interface RawRow {
  label: string;
  values: Record<string, unknown>;
}

/**
 * Reads a .yaml/.yml (a list under `items:`, fields sku, name, unit (default 'each'), price (decimal string or number),
 * stock (integer >= 0), category?, aliases? (list)) or .csv (header row with those column names, aliases separated by
 * '|', quoted fields with commas allowed) file. Prices are in `currency`. Throws SwitchboardError code CATALOGUE_INVALID
 * whose message names the file, the row (1-based item number, or CSV line number) and the field, e.g.
 * `catalogues/food.csv: line 4: price: expected an amount such as 12.50, got "abc"`; duplicate sku is an error naming
 * both rows; an empty catalogue is an error; a missing file says so.
 */
export function loadCatalogueFile(file: string, currency: string): CatalogueItem[] {
  const shown = displayPath(file);
  // A wrong currency is the caller's configuration, not the file's: let its MONEY_INVALID through unchanged.
  currencyDigits(currency);
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.yaml' && extension !== '.yml' && extension !== '.csv') {
    throw catalogueError(shown, [`${shown}: expected a .yaml, .yml or .csv catalogue file`]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw catalogueError(shown, [missing ? `${shown}: file not found; check the catalogue path` : `${shown}: cannot be read`], cause);
  }
  const rows = extension === '.csv' ? csvRows(text, shown) : yamlRows(text, shown);
  if (rows.length === 0) {
    const fix = extension === '.csv' ? 'add one row per product under the header' : 'add products under items:';
    throw catalogueError(shown, [`${shown}: the catalogue has no items; ${fix}`]);
  }

  const problems: string[] = [];
  const items: CatalogueItem[] = [];
  const firstRowOfSku = new Map<string, string>();
  for (const row of rows) {
    const rowProblems: string[] = [];
    const item = readItem(row.values, currency, rowProblems);
    for (const problem of rowProblems) problems.push(`${shown}: ${row.label}: ${problem}`);
    if (item === undefined) continue;
    // SKUs are matched case-insensitively when customers type them, so 'olv-3l' and 'OLV-3L' are one product.
    const key = item.sku.toLowerCase();
    const first = firstRowOfSku.get(key);
    if (first !== undefined) {
      problems.push(`${shown}: ${row.label}: sku: ${JSON.stringify(item.sku)} repeats the sku of ${first}; give each item its own sku`);
      continue;
    }
    firstRowOfSku.set(key, row.label);
    items.push(item);
  }
  if (problems.length > 0) throw catalogueError(shown, problems);
  return items;
}

/**
 * Case- and accent-insensitive search over sku, name, aliases and category: every query word must match a word prefix
 * somewhere; exact sku match first. Empty query returns the first `limit` items.
 */
export function searchCatalogue(items: readonly CatalogueItem[], query: string, limit: number): CatalogueItem[] {
  const max = Math.max(0, Math.floor(limit));
  const queryWords = wordsOf(query);
  if (queryWords.length === 0) return items.slice(0, max);
  const wholeQuery = fold(query.trim());
  return items
    .map((item, index) => ({ item, index, score: scoreItem(item, queryWords, wholeQuery) }))
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, max)
    .map((candidate) => candidate.item);
}

/** How much each field counts when a query word is found in it: a product's own words beat its category. */
const FIELD_WEIGHTS = { sku: 4, name: 3, aliases: 3, category: 1 } as const;

/** 0 when some query word matches nothing; otherwise higher for whole words and for name and sku matches. */
function scoreItem(item: CatalogueItem, queryWords: string[], wholeQuery: string): number {
  const fields: Array<[weight: number, words: string[]]> = [
    [FIELD_WEIGHTS.sku, wordsOf(item.sku)],
    [FIELD_WEIGHTS.name, wordsOf(item.name)],
    [FIELD_WEIGHTS.aliases, item.aliases.flatMap(wordsOf)],
    [FIELD_WEIGHTS.category, wordsOf(item.category ?? '')],
  ];
  let total = fold(item.sku) === wholeQuery ? 1000 : 0;
  for (const queryWord of queryWords) {
    const stems = pluralStems(queryWord);
    let best = 0;
    for (const [weight, words] of fields) {
      for (const word of words) {
        if (word === queryWord) best = Math.max(best, weight * 2);
        else if (stems.some((stem) => word.startsWith(stem))) best = Math.max(best, weight);
      }
    }
    if (best === 0) return 0;
    total += best;
  }
  return total;
}

/**
 * The word itself plus, for a plural, its singular guesses: customers type 'tomatoes' or 'eggs' for items named
 * 'tomato' or 'egg'. Stems shorter than 3 letters are dropped so that 'gas' does not match 'garlic'.
 */
function pluralStems(word: string): string[] {
  const stems = [word];
  if (word.length >= 4 && word.endsWith('s')) {
    stems.push(word.slice(0, -1));
    if (word.endsWith('es') && word.length >= 5) stems.push(word.slice(0, -2));
  }
  return stems;
}

/** Lower case without accents or compatibility forms: 'Jalapeño' → 'jalapeno'. */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

function wordsOf(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** Validates one row; returns undefined (and adds problems) when any field is wrong. */
function readItem(values: Record<string, unknown>, currency: string, problems: string[]): CatalogueItem | undefined {
  for (const field of REQUIRED_FIELDS) {
    if (isBlank(values[field])) problems.push(`${field}: missing; ${REQUIRED_HINTS[field]}`);
  }
  if (problems.length > 0) return undefined;

  const sku = values.sku;
  if (typeof sku !== 'string') {
    problems.push(`sku: expected text, got ${shownValue(sku)}; quote it ("00123") so that leading zeros are kept`);
  } else if (/\s/.test(sku.trim())) {
    problems.push(`sku: expected a code without spaces such as OLV-3L, got ${shownValue(sku)}`);
  }
  const name = readText(values.name, 'name', problems);
  const unit = isBlank(values.unit) ? 'each' : readText(values.unit, 'unit', problems);
  const category = isBlank(values.category) ? null : readText(values.category, 'category', problems);

  let priceMinor: number | undefined;
  const price = values.price;
  if (typeof price !== 'string' && typeof price !== 'number') {
    problems.push(`price: ${REQUIRED_HINTS.price}, got ${shownValue(price)}`);
  } else {
    try {
      priceMinor = parseMinorUnits(price, currency);
    } catch (error) {
      if (!(error instanceof SwitchboardError)) throw error;
      problems.push(`price: ${error.message}`);
    }
  }

  const stock = readStock(values.stock, problems);
  const aliases = readAliases(values.aliases, problems);
  if (problems.length > 0 || typeof sku !== 'string' || priceMinor === undefined || stock === undefined) return undefined;
  return { sku: sku.trim(), name: name ?? '', unit: unit ?? 'each', priceMinor, currency, stock, category: category ?? null, aliases };
}

const REQUIRED_HINTS = {
  sku: 'give each item a code such as OLV-3L',
  name: 'give the product name customers see',
  price: 'expected an amount such as 12.50',
  stock: 'expected a whole number 0 or more (0 when sold out)',
} as const;

function readText(value: unknown, field: string, problems: string[]): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  // YAML reads `unit: 12` as a number; as a label it still means the text the file shows.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  problems.push(`${field}: expected text, got ${shownValue(value)}`);
  return undefined;
}

function readStock(value: unknown, problems: string[]): number | undefined {
  const stock = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof stock === 'number' && Number.isSafeInteger(stock) && stock >= 0) return stock;
  problems.push(`stock: expected a whole number 0 or more, got ${shownValue(value)}`);
  return undefined;
}

function readAliases(value: unknown, problems: string[]): string[] {
  if (isBlank(value)) return [];
  if (!Array.isArray(value) || value.some((alias) => typeof alias !== 'string' && typeof alias !== 'number')) {
    problems.push(`aliases: expected a list of names such as [evoo, olive oil], got ${shownValue(value)}`);
    return [];
  }
  const aliases = value.map((alias) => String(alias).trim()).filter((alias) => alias !== '');
  return [...new Set(aliases)];
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function shownValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  return JSON.stringify(value) ?? String(value);
}

/** The items of a YAML catalogue, labelled 'item 1', 'item 2', ... */
function yamlRows(text: string, shown: string): RawRow[] {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw catalogueError(shown, [`${shown}: not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`]);
  }
  const root: unknown = document.toJS();
  if (root === null || root === undefined) return [];
  if (typeof root !== 'object' || Array.isArray(root) || !('items' in root)) {
    throw catalogueError(shown, [`${shown}: items: expected the products as a list under items:`]);
  }
  const list = (root as { items: unknown }).items;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw catalogueError(shown, [`${shown}: items: expected a list of products, got ${shownValue(list)}`]);
  const problems: string[] = [];
  const rows = list.flatMap((entry: unknown, index): RawRow[] => {
    const label = `item ${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${shown}: ${label}: expected fields such as sku, name, price and stock, got ${shownValue(entry)}`);
      return [];
    }
    for (const field of Object.keys(entry)) {
      if (!(FIELDS as readonly string[]).includes(field)) {
        problems.push(`${shown}: ${label}: ${field}: not a catalogue field; use ${FIELDS.join(', ')}`);
      }
    }
    return [{ label, values: entry as Record<string, unknown> }];
  });
  if (problems.length > 0) throw catalogueError(shown, problems);
  return rows;
}

/** The data rows of a CSV catalogue, labelled by the line they start on ('line 2' is the first product). */
function csvRows(text: string, shown: string): RawRow[] {
  let records;
  try {
    records = parseCsvRecords(text);
  } catch (error) {
    if (!(error instanceof SwitchboardError)) throw error;
    throw catalogueError(shown, [`${shown}: ${error.message}`], error);
  }
  const [header, ...body] = records;
  if (header === undefined) return [];
  const columns = header.fields.map((column) => column.trim().toLowerCase());
  const headerProblems: string[] = [];
  columns.forEach((column, index) => {
    if (!(FIELDS as readonly string[]).includes(column)) {
      headerProblems.push(`column ${JSON.stringify(header.fields[index])} is not a catalogue field; use ${FIELDS.join(', ')}`);
    } else if (columns.indexOf(column) !== index) {
      headerProblems.push(`column ${column} appears twice`);
    }
  });
  for (const field of REQUIRED_FIELDS) if (!columns.includes(field)) headerProblems.push(`${field}: missing column; add it to the header`);
  if (headerProblems.length > 0) {
    throw catalogueError(shown, headerProblems.map((problem) => `${shown}: line ${header.line}: ${problem}`));
  }

  const problems: string[] = [];
  const rows: RawRow[] = [];
  for (const record of body) {
    // Spreadsheets export rows they consider empty as ',,,,'.
    if (record.fields.every((value) => value.trim() === '')) continue;
    if (record.fields.length > columns.length) {
      problems.push(
        `${shown}: line ${record.line}: has ${record.fields.length} fields but the header has ${columns.length}; quote values that contain commas`,
      );
      continue;
    }
    const values: Record<string, unknown> = {};
    columns.forEach((column, index) => {
      // A spreadsheet drops trailing empty cells, so a short row means those fields are empty.
      const value = record.fields[index] ?? '';
      values[column] = column === 'aliases' ? value.split('|') : value;
    });
    rows.push({ label: `line ${record.line}`, values });
  }
  if (problems.length > 0) throw catalogueError(shown, problems);
  return rows;
}

function catalogueError(shown: string, problems: string[], cause?: unknown): SwitchboardError {
  return new SwitchboardError({
    code: 'CATALOGUE_INVALID',
    message: problems.join('\n'),
    details: { file: shown, problems },
    cause,
  });
}

/** The file as the operator wrote it: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

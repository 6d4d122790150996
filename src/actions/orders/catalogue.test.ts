import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../shared/errors.js';
import { loadCatalogueFile, searchCatalogue, type CatalogueItem } from './catalogue.js';

const SHIPPED_FOOD_CATALOGUE = fileURLToPath(new URL('../../../tenants/catalogues/food_retail_us.yaml', import.meta.url));

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'catalogue-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Writes a catalogue file into this test's folder and returns its path. */
function write(name: string, text: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, text);
  return file;
}

function catalogueError(load: () => unknown): SwitchboardError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).code).toBe('CATALOGUE_INVALID');
    return error as SwitchboardError;
  }
  throw new Error('expected CATALOGUE_INVALID');
}

const CSV_HEADER = 'sku,name,unit,price,stock,category,aliases';

describe('loadCatalogueFile: YAML', () => {
  it('reads items with defaults for unit, category and aliases', () => {
    const file = write(
      'food.yaml',
      [
        'items:',
        '  - sku: OLV-3L',
        '    name: Extra virgin olive oil, 3 L tin',
        '    unit: tin',
        '    price: "38.50"',
        '    stock: 140',
        '    category: Oils',
        '    aliases: [evoo, olive oil]',
        '  - sku: "00123"',
        '    name: Sea salt',
        '    price: 4.1',
        '    stock: 0',
        '  - sku: SAF-1KG',
        '    name: Saffron 1 kg',
        '    price: "2,499.99"',
        '    stock: "3"',
        '    category: ~',
        '    aliases: []',
      ].join('\n'),
    );
    expect(loadCatalogueFile(file, 'USD')).toEqual<CatalogueItem[]>([
      {
        sku: 'OLV-3L',
        name: 'Extra virgin olive oil, 3 L tin',
        unit: 'tin',
        priceMinor: 3850,
        currency: 'USD',
        stock: 140,
        category: 'Oils',
        aliases: ['evoo', 'olive oil'],
      },
      { sku: '00123', name: 'Sea salt', unit: 'each', priceMinor: 410, currency: 'USD', stock: 0, category: null, aliases: [] },
      { sku: 'SAF-1KG', name: 'Saffron 1 kg', unit: 'each', priceMinor: 249999, currency: 'USD', stock: 3, category: null, aliases: [] },
    ]);
  });

  it('accepts .yml and prices in the given currency', () => {
    const file = write('yen.yml', 'items:\n  - { sku: MISO-1, name: Miso paste, price: 1250, stock: 5 }\n');
    expect(loadCatalogueFile(file, 'JPY')[0]).toMatchObject({ priceMinor: 1250, currency: 'JPY' });
  });

  it('trims text and drops blank and repeated aliases', () => {
    const file = write('trim.yaml', 'items:\n  - { sku: " A-1 ", name: "  Rice ", price: 1, stock: 1, aliases: [rice, " ", rice, 7] }\n');
    expect(loadCatalogueFile(file, 'USD')[0]).toMatchObject({ sku: 'A-1', name: 'Rice', aliases: ['rice', '7'] });
  });

  it('names the file, the item number and the field of a bad price', () => {
    const file = write('food.yaml', 'items:\n  - { sku: A, name: Rice, price: 1, stock: 1 }\n  - { sku: B, name: Flour, price: abc, stock: 1 }\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: item 2: price: expected an amount such as 12.50, got "abc"`,
    );
  });

  it('rejects prices with more decimals than the currency has', () => {
    const file = write('food.yaml', 'items:\n  - { sku: A, name: Rice, price: "12.345", stock: 1 }\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: item 1: price: expected at most 2 decimals for USD, got "12.345"`,
    );
  });

  it('rejects negative, fractional and non-numeric stock', () => {
    const file = write(
      'food.yaml',
      'items:\n  - { sku: A, name: Rice, price: 1, stock: -1 }\n  - { sku: B, name: Flour, price: 1, stock: 2.5 }\n  - { sku: C, name: Oil, price: 1, stock: lots }\n',
    );
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      [
        `${file}: item 1: stock: expected a whole number 0 or more, got -1`,
        `${file}: item 2: stock: expected a whole number 0 or more, got 2.5`,
        `${file}: item 3: stock: expected a whole number 0 or more, got "lots"`,
      ].join('\n'),
    );
  });

  it('names each missing required field', () => {
    const file = write('food.yaml', 'items:\n  - { name: Rice }\n');
    const error = catalogueError(() => loadCatalogueFile(file, 'USD'));
    expect(error.message).toBe(
      [
        `${file}: item 1: sku: missing; give each item a code such as OLV-3L`,
        `${file}: item 1: price: missing; expected an amount such as 12.50`,
        `${file}: item 1: stock: missing; expected a whole number 0 or more (0 when sold out)`,
      ].join('\n'),
    );
    expect(error.details).toMatchObject({ file, problems: error.message.split('\n') });
  });

  it('rejects an unquoted numeric sku, a sku with spaces, a non-list of aliases and an unknown field', () => {
    const file = write(
      'food.yaml',
      [
        'items:',
        '  - { sku: 123, name: Rice, price: 1, stock: 1 }',
        '  - { sku: olive oil, name: Oil, price: 1, stock: 1 }',
        '  - { sku: C, name: Flour, price: 1, stock: 1, aliases: flour }',
        '  - { sku: D, name: Sugar, prce: 1, stock: 1 }',
      ].join('\n'),
    );
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      [`${file}: item 4: prce: not a catalogue field; use sku, name, unit, price, stock, category, aliases`].join('\n'),
    );
    writeFileSync(file, 'items:\n  - { sku: 123, name: Rice, price: 1, stock: 1 }\n  - { sku: olive oil, name: Oil, price: 1, stock: 1 }\n  - { sku: C, name: Flour, price: 1, stock: 1, aliases: flour }\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      [
        `${file}: item 1: sku: expected text, got 123; quote it ("00123") so that leading zeros are kept`,
        `${file}: item 2: sku: expected a code without spaces such as OLV-3L, got "olive oil"`,
        `${file}: item 3: aliases: expected a list of names such as [evoo, olive oil], got "flour"`,
      ].join('\n'),
    );
  });

  it('rejects a duplicate sku, ignoring case, naming both items', () => {
    const file = write(
      'food.yaml',
      'items:\n  - { sku: OLV-3L, name: Oil, price: 1, stock: 1 }\n  - { sku: A, name: Rice, price: 1, stock: 1 }\n  - { sku: olv-3l, name: Oil again, price: 2, stock: 1 }\n',
    );
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: item 3: sku: "olv-3l" repeats the sku of item 1; give each item its own sku`,
    );
  });

  it.each([
    ['an empty file', ''],
    ['a comment only', '# nothing yet\n'],
    ['an empty list', 'items: []\n'],
    ['a null list', 'items:\n'],
  ])('rejects %s as an empty catalogue', (_, text) => {
    const file = write('empty.yaml', text);
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: the catalogue has no items; add products under items:`,
    );
  });

  it('rejects a file without items:, items that are not a list, and entries that are not objects', () => {
    const file = write('food.yaml', '- { sku: A, name: Rice, price: 1, stock: 1 }\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: items: expected the products as a list under items:`,
    );
    writeFileSync(file, 'items: rice\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: items: expected a list of products, got "rice"`,
    );
    writeFileSync(file, 'items:\n  - rice\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: item 1: expected fields such as sku, name, price and stock, got "rice"`,
    );
  });

  it('rejects text that is not YAML', () => {
    const file = write('food.yaml', 'items:\n  - { sku: A, name: [unclosed\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toMatch(
      new RegExp(`^${escapeRegExp(file)}: not valid YAML: `),
    );
  });
});

describe('loadCatalogueFile: CSV', () => {
  it('reads rows with quoted commas, aliases separated by | and defaults', () => {
    const file = write(
      'food.csv',
      [
        CSV_HEADER,
        'TOM-10-6,"Whole peeled tomatoes, case of 6 x #10 cans",case,46.80,160,Canned goods,canned tomatoes|#10 cans',
        'SAF-1KG,Saffron 1 kg,,"2,499.99",3,,',
        'FLR-50,All-purpose flour 50 lb,bag,24.6,300',
      ].join('\r\n'),
    );
    expect(loadCatalogueFile(file, 'USD')).toEqual<CatalogueItem[]>([
      {
        sku: 'TOM-10-6',
        name: 'Whole peeled tomatoes, case of 6 x #10 cans',
        unit: 'case',
        priceMinor: 4680,
        currency: 'USD',
        stock: 160,
        category: 'Canned goods',
        aliases: ['canned tomatoes', '#10 cans'],
      },
      { sku: 'SAF-1KG', name: 'Saffron 1 kg', unit: 'each', priceMinor: 249999, currency: 'USD', stock: 3, category: null, aliases: [] },
      { sku: 'FLR-50', name: 'All-purpose flour 50 lb', unit: 'bag', priceMinor: 2460, currency: 'USD', stock: 300, category: null, aliases: [] },
    ]);
  });

  it('accepts columns in any order and case, a byte-order mark, and skips empty rows', () => {
    const file = write('food.csv', '\uFEFFPrice, SKU ,Stock,Name\n\n12.50,A-1,4,Rice\n,,,\n3,B-2,0,Flour\n');
    expect(loadCatalogueFile(file, 'USD').map((item) => [item.sku, item.priceMinor, item.stock])).toEqual([
      ['A-1', 1250, 4],
      ['B-2', 300, 0],
    ]);
  });

  it('names the file, the line and the field of a bad price', () => {
    const file = write('food.csv', [CSV_HEADER, 'A,Rice,bag,1.00,1,,', '', 'B,Flour,bag,abc,1,,'].join('\n'));
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: line 4: price: expected an amount such as 12.50, got "abc"`,
    );
  });

  it('shows the path relative to the working directory when the file is inside it', () => {
    const file = path.join(process.cwd(), 'catalogues', 'food.csv');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${path.join('catalogues', 'food.csv')}: file not found; check the catalogue path`,
    );
  });

  it('counts lines inside quoted fields when naming a line', () => {
    const file = write('food.csv', [CSV_HEADER, 'A,"Rice,\nlong grain",bag,1,1,,', 'B,Flour,bag,1,-2,,'].join('\n'));
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: line 4: stock: expected a whole number 0 or more, got "-2"`,
    );
  });

  it('rejects a duplicate sku naming both lines', () => {
    const file = write('food.csv', [CSV_HEADER, 'OLV-3L,Oil,tin,1,1,,', 'A,Rice,bag,1,1,,', 'OLV-3L,Oil,tin,1,1,,'].join('\n'));
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: line 4: sku: "OLV-3L" repeats the sku of line 2; give each item its own sku`,
    );
  });

  it('rejects unknown, repeated and missing columns on line 1', () => {
    const file = write('food.csv', 'sku,name,prise,stock,name\nA,Rice,1,1,Rice\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      [
        `${file}: line 1: column "prise" is not a catalogue field; use sku, name, unit, price, stock, category, aliases`,
        `${file}: line 1: column name appears twice`,
        `${file}: line 1: price: missing column; add it to the header`,
      ].join('\n'),
    );
  });

  it('rejects a row with more fields than the header', () => {
    const file = write('food.csv', 'sku,name,price,stock\nA,Rice, long grain,1,1\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: line 2: has 5 fields but the header has 4; quote values that contain commas`,
    );
  });

  it('rejects a blank required cell', () => {
    const file = write('food.csv', 'sku,name,price,stock\nA, ,1,1\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: line 2: name: missing; give the product name customers see`,
    );
  });

  it('rejects a broken quote with its line', () => {
    const file = write('food.csv', 'sku,name,price,stock\nA,"Rice,1,1\n');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: line 2: a quoted field is not closed; end it with "`,
    );
  });

  it.each([
    ['an empty file', ''],
    ['a header only', `${CSV_HEADER}\n`],
    ['a header and empty rows', `${CSV_HEADER}\n,,,,,,\n\n`],
  ])('rejects %s as an empty catalogue', (_, text) => {
    const file = write('empty.csv', text);
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(
      `${file}: the catalogue has no items; add one row per product under the header`,
    );
  });
});

describe('loadCatalogueFile: the file itself', () => {
  it('says when the file is missing', () => {
    const file = path.join(folder, 'nowhere.yaml');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(`${file}: file not found; check the catalogue path`);
  });

  it('rejects other extensions', () => {
    const file = write('food.json', '[]');
    expect(catalogueError(() => loadCatalogueFile(file, 'USD')).message).toBe(`${file}: expected a .yaml, .yml or .csv catalogue file`);
  });

  it('lets a bad currency through as MONEY_INVALID: it is configuration, not the file', () => {
    const file = write('food.yaml', 'items:\n  - { sku: A, name: Rice, price: 1, stock: 1 }\n');
    expect(() => loadCatalogueFile(file, 'dollars')).toThrow(expect.objectContaining({ code: 'MONEY_INVALID' }));
  });
});

describe('the shipped food_retail_us catalogue', () => {
  const items = loadCatalogueFile(SHIPPED_FOOD_CATALOGUE, 'USD');

  it('loads', () => {
    expect(items.length).toBeGreaterThanOrEqual(15);
    for (const item of items) {
      expect(item.currency).toBe('USD');
      expect(item.priceMinor).toBeGreaterThan(0);
      expect(item.category).not.toBeNull();
      expect(item.aliases.length).toBeGreaterThan(0);
    }
  });

  it('has an item a realistic order can take past 5,000 USD', () => {
    const saffron = items.find((item) => item.sku === 'SAF-1KG');
    expect(saffron?.priceMinor).toBe(249999);
    expect(items.some((item) => item.priceMinor * Math.min(item.stock, 10) > 500000)).toBe(true);
  });

  it('finds products by what customers call them', () => {
    expect(searchCatalogue(items, 'olive oil', 3)[0]?.sku).toBe('OLV-3L');
    expect(searchCatalogue(items, 'evoo', 3)[0]?.sku).toBe('OLV-3L');
    expect(searchCatalogue(items, 'chicken breasts', 3)[0]?.sku).toBe('CHK-BRST-40');
    expect(searchCatalogue(items, 'tomatoes', 3)[0]?.sku).toBe('TOM-10-6');
    expect(searchCatalogue(items, 'mozzarella', 3)[0]?.sku).toBe('MOZ-5LB');
    expect(searchCatalogue(items, 'flour 50', 3)[0]?.sku).toBe('FLR-AP-50');
  });
});

describe('searchCatalogue', () => {
  const item = (sku: string, name: string, extra: Partial<CatalogueItem> = {}): CatalogueItem => ({
    sku,
    name,
    unit: 'each',
    priceMinor: 100,
    currency: 'USD',
    stock: 1,
    category: null,
    aliases: [],
    ...extra,
  });
  const items = [
    item('OIL-CAN', 'Canola frying oil, 35 lb jug', { category: 'Oils', aliases: ['fryer oil'] }),
    item('OLV-3L', 'Extra virgin olive oil, 3 L tin', { category: 'Oils', aliases: ['evoo', 'azeite'] }),
    item('OLV-1L', 'Olive oil 1 L bottle', { category: 'Oils' }),
    item('JAL-1', 'Jalapeños, sliced, #10 can', { category: 'Canned goods' }),
    item('CRM-1', 'Crème fraîche 1 kg', { category: 'Dairy' }),
    item('TOM-10-6', 'Whole peeled tomatoes, case of 6', { category: 'Canned goods', aliases: ['tomates'] }),
    item('OLV', 'Olives, Kalamata, pitted', { category: 'Deli' }),
  ];
  const skus = (query: string, limit = 10): string[] => searchCatalogue(items, query, limit).map((found) => found.sku);

  it('puts an exact sku match first, ignoring case', () => {
    expect(skus('olv')[0]).toBe('OLV');
    expect(skus('OLV-3L')[0]).toBe('OLV-3L');
    expect(skus(' olv-3l ')[0]).toBe('OLV-3L');
  });

  it('needs every query word to start a word somewhere', () => {
    expect(skus('olive oil')).toEqual(['OLV-3L', 'OLV-1L']);
    expect(skus('olive butter')).toEqual([]);
    expect(skus('live')).toEqual([]);
  });

  it('matches word prefixes across name, aliases, category and sku', () => {
    expect(skus('ev')).toEqual(['OLV-3L']);
    expect(skus('azei')).toEqual(['OLV-3L']);
    expect(skus('canned')).toEqual(['JAL-1', 'TOM-10-6']);
    expect(skus('fry')).toEqual(['OIL-CAN']);
    expect(skus('3l')).toEqual(['OLV-3L']);
  });

  it('ignores case and accents on both sides', () => {
    expect(skus('JALAPENOS')).toEqual(['JAL-1']);
    expect(skus('creme fraiche')).toEqual(['CRM-1']);
    expect(skus('Crème')).toEqual(['CRM-1']);
    expect(skus('jalapeño')).toEqual(['JAL-1']);
  });

  it('finds singular names from plural queries', () => {
    expect(skus('tomatoes')).toEqual(['TOM-10-6']);
    expect(skus('olives')[0]).toBe('OLV');
  });

  it('ranks sku words above names, names above categories, whole words above prefixes', () => {
    // "can": a word of OIL-CAN's sku, of the jalapeños' name, and only a prefix of the category "Canned goods".
    expect(skus('can')).toEqual(['OIL-CAN', 'JAL-1', 'TOM-10-6']);
    // "olive" is a whole word of two names and only a prefix of "Olives".
    expect(skus('olive')).toEqual(['OLV-3L', 'OLV-1L', 'OLV']);
  });

  it('keeps catalogue order among equal matches and applies the limit', () => {
    expect(skus('canned')).toEqual(['JAL-1', 'TOM-10-6']);
    expect(skus('canned', 1)).toEqual(['JAL-1']);
    expect(skus('canned', 0)).toEqual([]);
  });

  it('returns the first items for an empty query', () => {
    expect(skus('', 2)).toEqual(['OIL-CAN', 'OLV-3L']);
    expect(skus('  ,. ', 3)).toEqual(['OIL-CAN', 'OLV-3L', 'OLV-1L']);
    expect(searchCatalogue([], '', 5)).toEqual([]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

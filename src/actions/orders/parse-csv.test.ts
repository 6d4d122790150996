import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../shared/errors.js';
import { parseCsv, parseCsvRecords } from './parse-csv.js';

function csvError(text: string): SwitchboardError {
  try {
    parseCsv(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).code).toBe('CSV_INVALID');
    return error as SwitchboardError;
  }
  throw new Error('expected CSV_INVALID');
}

describe('parseCsv', () => {
  it('splits records and fields', () => {
    expect(parseCsv('sku,name\nA-1,Rice\nB-2,Flour\n')).toEqual([
      ['sku', 'name'],
      ['A-1', 'Rice'],
      ['B-2', 'Flour'],
    ]);
  });

  it('accepts CRLF, a bare CR and a missing final line break', () => {
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(parseCsv('a,b\r1,2')).toEqual([['a', 'b'], ['1', '2']]);
    expect(parseCsv('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('name,price\n"Tomatoes, case of 6 x #10 cans","1,234.50"\n')).toEqual([
      ['name', 'price'],
      ['Tomatoes, case of 6 x #10 cans', '1,234.50'],
    ]);
    expect(parseCsv('"Fries 3/8"" cut",x')).toEqual([['Fries 3/8" cut', 'x']]);
    expect(parseCsv('"two\nlines",x\r\n"crlf\r\ninside",y')).toEqual([
      ['two\nlines', 'x'],
      ['crlf\r\ninside', 'y'],
    ]);
  });

  it('keeps empty fields, including quoted and trailing ones', () => {
    expect(parseCsv('a,,c,\n"",x,"",')).toEqual([
      ['a', '', 'c', ''],
      ['', 'x', '', ''],
    ]);
    expect(parseCsv('""')).toEqual([['']]);
  });

  it('skips empty lines but not lines of empty fields', () => {
    expect(parseCsv('a\n\n\nb\n\n')).toEqual([['a'], ['b']]);
    expect(parseCsv(',,\n')).toEqual([['', '', '']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\n\r\n')).toEqual([]);
  });

  it('does not trim fields and treats a quote inside an unquoted field as text', () => {
    expect(parseCsv(' a , b \n12" pan,x')).toEqual([
      [' a ', ' b '],
      ['12" pan', 'x'],
    ]);
  });

  it('ignores a byte-order mark at the start', () => {
    expect(parseCsv('\uFEFFsku,name\nA,B')).toEqual([['sku', 'name'], ['A', 'B']]);
  });

  it('rejects an unclosed quote, naming the line it opened on', () => {
    expect(csvError('a,b\n1,"open\n2,3\n').message).toBe('line 2: a quoted field is not closed; end it with "');
  });

  it('rejects text after a closing quote', () => {
    expect(csvError('a,b\n"x"y,2').message).toBe(
      'line 2: text follows a closing quote; write "" for a quote inside a quoted field',
    );
  });
});

describe('parseCsvRecords', () => {
  it('gives the line each record starts on, counting blank lines and line breaks inside quotes', () => {
    const records = parseCsvRecords('h1,h2\n\n"multi\nline",1\r\nlast,2\n');
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 3, fields: ['multi\nline', '1'] },
      { line: 5, fields: ['last', '2'] },
    ]);
  });
});

import { SwitchboardError } from '../../shared/errors.js';

/** One CSV record and the 1-based line it starts on (a quoted field may span lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Splits RFC 4180 CSV text into records of fields: commas separate, `"` quotes a field that holds commas,
 * quotes (`""`) or line breaks; CRLF or LF; a leading byte-order mark is ignored. Empty lines are skipped.
 * Fields are not trimmed. Throws SwitchboardError code CSV_INVALID naming the line of a broken quote.
 */
export function parseCsv(text: string): string[][] {
  return parseCsvRecords(text).map((record) => record.fields);
}

/** As {@link parseCsv}, keeping each record's starting line so that errors can point at it. */
export function parseCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  // Spreadsheet exports (Excel "CSV UTF-8") start with a byte-order mark that would stick to the first header.
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false; // the current field started with a quote (even when it is closed again)
  let index = 0;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || quoted) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quoted = false;
  };
  while (index < input.length) {
    const char = input[index]!;
    if (char === '"' && field === '' && !quoted) {
      const quoteLine = line;
      quoted = true;
      index += 1;
      for (;;) {
        if (index >= input.length) throw csvError(quoteLine, 'a quoted field is not closed; end it with "');
        const inner = input[index]!;
        if (inner === '"' && input[index + 1] === '"') {
          field += '"';
          index += 2;
        } else if (inner === '"') {
          index += 1;
          break;
        } else {
          if (inner === '\n') line += 1;
          field += inner;
          index += 1;
        }
      }
      const next = input[index];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw csvError(line, 'text follows a closing quote; write "" for a quote inside a quoted field');
      }
    } else if (char === ',') {
      fields.push(field);
      field = '';
      quoted = false;
      index += 1;
    } else if (char === '\n' || char === '\r') {
      endRecord();
      index += char === '\r' && input[index + 1] === '\n' ? 2 : 1;
      line += 1;
      recordLine = line;
    } else {
      field += char;
      index += 1;
    }
  }
  if (field !== '' || fields.length > 0 || quoted) endRecord();
  return records;
}

function csvError(line: number, problem: string): SwitchboardError {
  return new SwitchboardError({ code: 'CSV_INVALID', message: `line ${line}: ${problem}`, details: { line } });
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Keeps docs/errors.md and the codes in src/ in step, as fastify's test/internals/errors.test.js does
// for docs/Reference/Errors.md: a new code needs a row, a removed code takes its row with it.

const root = fileURLToPath(new URL('..', import.meta.url));
const docsFile = path.join(root, 'docs', 'errors.md');

/** A quoted UPPER_SNAKE string: 'TENANT_FILE_INVALID', "UNAUTHORIZED", `MODEL_TIMEOUT`. */
const CODE_LITERAL = /(['"`])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\1/g;
/**
 * The value of a `code:` or `error:` property, up to the next `,` `;` `{` `}` or `)`, across lines,
 * so that `code: timedOut ? 'MODEL_TIMEOUT' : 'MODEL_CALL_FAILED'` yields both codes.
 */
const CODE_PROPERTY = /['"]?\b(?:code|error)\b['"]?\s*\??:\s*([^,;{})]*)/g;
/** A SwitchboardError whose code is a variable (`{ code, message }`, `{ code: fix.code }`): it came from elsewhere. */
const CONSTRUCTION = /new\s+SwitchboardError\(\s*\{([^]*?)\}\s*\)/g;
const CODE_ENTRY = /\bcode\b\s*(?::\s*([^,;{})]*))?/;

function literals(text: string): string[] {
  return [...text.matchAll(CODE_LITERAL)].map((match) => match[2]!);
}

/** Drops whole-line comments, so that a commented-out `code: 'OLD'` does not count as used. */
function withoutCommentLines(source: string): string {
  return source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
}

/**
 * The error codes one source file can produce:
 * 1. UPPER_SNAKE literals inside a `code:` or `error:` property (SwitchboardError options, HTTP error bodies,
 *    describeError results), conditional expressions included;
 * 2. when the file builds a SwitchboardError from a code held in a variable (a helper such as
 *    `assertUnique(..., 'TENANT_ID_TAKEN', ...)`), every UPPER_SNAKE literal with an underscore in that file.
 */
function extractCodes(source: string): Set<string> {
  const text = withoutCommentLines(source);
  const codes = new Set<string>();
  for (const match of text.matchAll(CODE_PROPERTY)) for (const code of literals(match[1]!)) codes.add(code);
  const forwardsCode = [...text.matchAll(CONSTRUCTION)].some((construction) => {
    const entry = CODE_ENTRY.exec(construction[1]!);
    return entry !== null && literals(entry[1] ?? '').length === 0;
  });
  if (forwardsCode) for (const code of literals(text)) if (code.includes('_')) codes.add(code);
  return codes;
}

/** Every code produced under src/, with the files producing it (tests excluded). */
function codesInSource(): Map<string, string[]> {
  const srcDir = path.join(root, 'src');
  const files = (readdirSync(srcDir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .sort();
  const found = new Map<string, string[]>();
  for (const file of files) {
    const display = path.posix.join('src', file.split(path.sep).join('/'));
    for (const code of extractCodes(readFileSync(path.join(srcDir, file), 'utf8'))) {
      found.set(code, [...(found.get(code) ?? []), display]);
    }
  }
  return found;
}

/** The first column of each table row of docs/errors.md: | `TENANT_FILE_INVALID` | ... */
function codesInDocs(): string[] {
  const markdown = readFileSync(docsFile, 'utf8');
  return [...markdown.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((match) => match[1]!);
}

describe('docs/errors.md', () => {
  it('finds codes in the forms src/ uses', () => {
    const source = [
      "throw new SwitchboardError({ code: 'TENANT_FILE_INVALID', message: 'x' });",
      'throw new SwitchboardError({',
      "  code: timedOut ? 'MODEL_TIMEOUT' : 'MODEL_CALL_FAILED',",
      '  message: `${a}: ${b}`,',
      '});',
      "return reply.code(401).send({ error: 'SIGNATURE_INVALID', message: 'no' });",
      "return reply.code(status).send({ error: error instanceof SwitchboardError ? error.code : 'INTERNAL', message });",
      "if (error instanceof Error) return { code: 'UNEXPECTED', message: error.message };",
      "log.warn({ tenantId, code, error: describeError(error).message }, 'model.failed');",
      "// throw new SwitchboardError({ code: 'COMMENTED_OUT', message: 'x' });",
    ].join('\n');
    expect([...extractCodes(source)].sort()).toEqual(
      ['INTERNAL', 'MODEL_CALL_FAILED', 'MODEL_TIMEOUT', 'SIGNATURE_INVALID', 'TENANT_FILE_INVALID', 'UNEXPECTED'],
    );
    const forwarded = [
      "assertUnique(loaded, (tenant) => tenant.config.id, 'TENANT_ID_TAKEN', 'id', 'give each tenant its own id');",
      "process.on('SIGINT', stop);",
      'throw new SwitchboardError({ code, message: `${label} ${value} is taken` });',
    ].join('\n');
    expect([...extractCodes(forwarded)]).toEqual(['TENANT_ID_TAKEN']);
  });

  it('documents every error code used in src/', () => {
    const documented = new Set(codesInDocs());
    const missing = [...codesInSource()]
      .filter(([code]) => !documented.has(code))
      .map(([code, files]) => `${code} (${files.join(', ')})`)
      .sort();
    expect(missing, `undocumented error codes; add a row to docs/errors.md for each:\n  ${missing.join('\n  ')}\n`).toEqual([]);
  });

  it('documents no code that src/ no longer uses', () => {
    const used = codesInSource();
    const stale = codesInDocs()
      .filter((code) => !used.has(code))
      .sort();
    expect(stale, `stale rows in docs/errors.md (no longer in src/); remove them, codes are never reused:\n  ${stale.join('\n  ')}\n`).toEqual([]);
  });

  it('has one row per code', () => {
    const rows = codesInDocs();
    const duplicated = [...new Set(rows.filter((code, index) => rows.indexOf(code) !== index))];
    expect(duplicated, `codes with more than one row in docs/errors.md: ${duplicated.join(', ')}`).toEqual([]);
  });
});

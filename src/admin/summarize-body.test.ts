import { describe, expect, it } from 'vitest';
import { summarizeBody } from './summarize-body.js';

describe('summarizeBody', () => {
  it('keeps short fields, redacts secrets and cuts long text', () => {
    const text = 'x'.repeat(450);
    expect(summarizeBody({ tenantId: 'dental', name: 'front desk', token: 'sbt_abc', apiKey: 'k', text, count: 3, ok: true, nothing: null })).toEqual({
      tenantId: 'dental',
      name: 'front desk',
      token: '[redacted]',
      apiKey: '[redacted]',
      text: `${'x'.repeat(200)}… (450 characters)`,
      count: 3,
      ok: true,
      nothing: null,
    });
  });

  it('cuts nested values as JSON and bounds the number of fields', () => {
    const summary = summarizeBody({ items: Array.from({ length: 100 }, (_, index) => ({ sku: `SKU-${index}` })) })!;
    expect(String(summary['items']).startsWith('[{"sku":"SKU-0"}')).toBe(true);
    expect(String(summary['items']).length).toBeLessThan(240);
    const wide = Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`field${index}`, index]));
    expect(Object.keys(summarizeBody(wide)!)).toHaveLength(21);
  });

  it('gives null for no body or a body that is not an object', () => {
    expect(summarizeBody(undefined)).toBeNull();
    expect(summarizeBody('text')).toBeNull();
    expect(summarizeBody([1, 2])).toBeNull();
  });
});

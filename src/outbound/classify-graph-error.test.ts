import { describe, it, expect } from 'vitest';
import { classifyGraphError } from './classify-graph-error.js';

const at400 = (code: number) => classifyGraphError({ httpStatus: 400, code });

describe('classifyGraphError', () => {
  it('retries network errors, 5xx and HTTP 429', () => {
    expect(classifyGraphError({ httpStatus: null, code: null, networkError: true })).toEqual({ retryable: true, kind: 'transient' });
    expect(classifyGraphError({ httpStatus: 500, code: null })).toEqual({ retryable: true, kind: 'transient' });
    expect(classifyGraphError({ httpStatus: 503, code: null })).toEqual({ retryable: true, kind: 'transient' });
    expect(classifyGraphError({ httpStatus: 429, code: null })).toEqual({ retryable: true, kind: 'rate_limit' });
  });

  it('retries rate limits, with at least 6 s for the pair rate limit', () => {
    expect(at400(130429)).toEqual({ retryable: true, kind: 'rate_limit' });
    expect(at400(4)).toEqual({ retryable: true, kind: 'rate_limit' });
    expect(at400(80007)).toEqual({ retryable: true, kind: 'rate_limit' });
    expect(at400(131056)).toEqual({ retryable: true, kind: 'pair_rate_limit', minDelayMs: 6000 });
  });

  it('retries the transient codes', () => {
    for (const code of [131000, 131016, 131057]) expect(at400(code)).toEqual({ retryable: true, kind: 'transient' });
  });

  it('does not retry permanent codes', () => {
    expect(at400(131047)).toEqual({ retryable: false, kind: 'window_closed' });
    for (const code of [131026, 131049, 131050]) expect(at400(code)).toEqual({ retryable: false, kind: 'undeliverable' });
    expect(classifyGraphError({ httpStatus: 401, code: 190 })).toEqual({ retryable: false, kind: 'auth' });
    for (const code of [131030, 132000, 132001, 133010, 131062]) expect(at400(code)).toEqual({ retryable: false, kind: 'config' });
    for (const code of [100, 131008, 131009, 131051]) expect(at400(code)).toEqual({ retryable: false, kind: 'invalid' });
    for (const code of [131048, 368]) expect(at400(code)).toEqual({ retryable: false, kind: 'policy' });
  });

  it('lets a known code decide over the HTTP status', () => {
    expect(classifyGraphError({ httpStatus: 500, code: 131047 })).toEqual({ retryable: false, kind: 'window_closed' });
    expect(classifyGraphError({ httpStatus: 429, code: 131056 }).kind).toBe('pair_rate_limit');
    expect(classifyGraphError({ httpStatus: 403, code: 368 }).kind).toBe('policy');
  });

  it('treats permission codes and 401 as auth', () => {
    expect(classifyGraphError({ httpStatus: 403, code: 10 })).toEqual({ retryable: false, kind: 'auth' });
    expect(classifyGraphError({ httpStatus: 403, code: 200 })).toEqual({ retryable: false, kind: 'auth' });
    expect(classifyGraphError({ httpStatus: 401, code: null })).toEqual({ retryable: false, kind: 'auth' });
  });

  it('does not retry other 4xx', () => {
    expect(at400(131053)).toEqual({ retryable: false, kind: 'unknown' });
    expect(classifyGraphError({ httpStatus: 404, code: null })).toEqual({ retryable: false, kind: 'unknown' });
    expect(classifyGraphError({ httpStatus: 400, code: 999999, subcode: 1, details: 'x' })).toEqual({ retryable: false, kind: 'unknown' });
  });

  it('retries an unknown 5xx code and a failure without a status', () => {
    expect(classifyGraphError({ httpStatus: 502, code: 999999 })).toEqual({ retryable: true, kind: 'transient' });
    expect(classifyGraphError({ httpStatus: null, code: null })).toEqual({ retryable: true, kind: 'unknown' });
  });
});

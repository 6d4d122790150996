import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../shared/errors.js';
import { expandEnv } from './expand-env.js';

describe('expandEnv', () => {
  it('replaces ${VAR} with the variable, inside longer text too', () => {
    const env = { TOKEN: 'abc123', HOST: 'models.internal', PORT: '8080' };
    expect(expandEnv({ token: '${TOKEN}', url: 'http://${HOST}:${PORT}/v1' }, env)).toEqual({
      token: 'abc123',
      url: 'http://models.internal:8080/v1',
    });
  });

  it('uses the default of ${VAR:-default} only when the variable is unset or empty', () => {
    const document = { provider: '${AI_PROVIDER:-openai}', model: '${AI_MODEL:-gpt-4o-mini}', blank: '${BLANK:-fallback}' };
    expect(expandEnv(document, { AI_PROVIDER: 'anthropic', BLANK: '' })).toEqual({
      provider: 'anthropic',
      model: 'gpt-4o-mini',
      blank: 'fallback',
    });
  });

  it('leaves out a field whose only content is an unset variable, and lists it', () => {
    const missing: string[] = [];
    const expanded = expandEnv(
      { whatsapp: { phone_number_id: '123456', app_secret: '${APP_SECRET}' }, ai: { base_url: '${AI_BASE_URL}', model: 'm' } },
      { AI_BASE_URL: '' },
      [],
      missing,
    );
    expect(expanded).toEqual({ whatsapp: { phone_number_id: '123456' }, ai: { model: 'm' } });
    expect(expanded).not.toHaveProperty('whatsapp.app_secret');
    expect(missing).toEqual(['whatsapp.app_secret (${APP_SECRET})', 'ai.base_url (${AI_BASE_URL})']);
  });

  it('lists an unset variable used inside longer text', () => {
    const missing: string[] = [];
    expandEnv({ ai: { system_prompt: 'You work for ${BUSINESS_NAME}.' } }, {}, [], missing);
    expect(missing).toEqual(['ai.system_prompt (${BUSINESS_NAME})']);
  });

  it('expands strings inside arrays, naming them by index', () => {
    const missing: string[] = [];
    expect(expandEnv({ escalation: { keywords: ['${KEYWORD}', 'agent'] } }, { KEYWORD: 'urgent' }, [], missing)).toEqual({
      escalation: { keywords: ['urgent', 'agent'] },
    });
    expandEnv({ escalation: { keywords: ['agent', 'call ${WHO}'] } }, {}, [], missing);
    expect(missing).toEqual(['escalation.keywords.1 (${WHO})']);
  });

  it('leaves numbers, booleans, null and plain strings as they are, and does not change its input', () => {
    const document = { ai: { temperature: 0.3, max_tokens: 512, enabled: true, note: null, model: 'gpt' } };
    const copy = structuredClone(document);
    expect(expandEnv(document, {})).toEqual(copy);
    expect(document).toEqual(copy);
    const withReference = { token: '${TOKEN}' };
    expandEnv(withReference, { TOKEN: 'secret' });
    expect(withReference).toEqual({ token: '${TOKEN}' });
  });

  it('does not expand references that come from a variable\'s value', () => {
    expect(expandEnv({ token: '${TOKEN}' }, { TOKEN: 'a${OTHER}b', OTHER: 'nope' })).toEqual({ token: 'a${OTHER}b' });
  });

  it('rejects an unclosed reference, naming the field', () => {
    let caught: unknown;
    try {
      expandEnv({ ai: { model: '${AI_MODEL' } }, { AI_MODEL: 'gpt' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SwitchboardError);
    expect(caught).toMatchObject({ code: 'TENANT_ENV_REFERENCE_INVALID' });
    expect((caught as Error).message).toContain('ai.model');
  });
});

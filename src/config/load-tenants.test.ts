import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SwitchboardError } from '../shared/errors.js';
import { loadTenantFile, loadTenantsDir } from './load-tenants.js';

const SHIPPED_TENANTS = fileURLToPath(new URL('../../tenants/', import.meta.url));

/** A tenant file with only the required fields; `overrides` replace whole sections. */
function tenant(id: string, phoneNumberId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `Business ${id}`,
    language: 'en',
    timezone: 'UTC',
    whatsapp: { phone_number_id: phoneNumberId },
    ai: { provider: 'openai', model: 'gpt-4o-mini', system_prompt: 'You help customers.' },
    ...overrides,
  };
}

function thrownBy(load: () => unknown): SwitchboardError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    return error as SwitchboardError;
  }
  throw new Error('expected the load to fail');
}

describe('loadTenantsDir / loadTenantFile', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  function folder(files: Record<string, Record<string, unknown> | string> = {}): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-tenants-'));
    folders.push(dir);
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), typeof content === 'string' ? content : stringify(content));
    }
    return dir;
  }

  it('loads a valid file and fills in the defaults', () => {
    const dir = folder({ 'clinic.yaml': tenant('clinic', '1234567') });
    const [loaded, ...others] = loadTenantsDir(dir, {});

    expect(others).toEqual([]);
    expect(loaded!.file).toContain('clinic.yaml');
    expect(loaded!.unsetVariables).toEqual([]);
    expect(loaded!.config).toMatchObject({
      id: 'clinic',
      whatsapp: { phone_number_id: '1234567' },
      ai: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.3, max_tokens: 512, timeout: '30s', business_context: '' },
      memory: { max_turns: 10, ttl: '30d' },
      conversation: { debounce_ms: 1500 },
      escalation: { keywords: [], release_after: '24h', history_in_notification: 5 },
    });
  });

  it('fills in defaults inside a section that sets only some fields', () => {
    const dir = folder({ 'clinic.yaml': tenant('clinic', '1234567', { memory: { max_turns: 4 }, ai: { provider: 'anthropic', model: 'claude', system_prompt: 'Hi', temperature: 1 } }) });
    const [loaded] = loadTenantsDir(dir, {});
    expect(loaded!.config.memory).toEqual({ max_turns: 4, ttl: '30d' });
    expect(loaded!.config.ai).toMatchObject({ temperature: 1, max_tokens: 512 });
  });

  it('expands ${VAR} and ${VAR:-default}, leaving out unset optional fields and listing them', () => {
    const dir = folder({
      'clinic.yaml': [
        'id: clinic',
        'name: Clinic',
        'language: en',
        'timezone: UTC',
        'whatsapp:',
        '  phone_number_id: "${CLINIC_PHONE_ID}"',
        '  access_token: ${CLINIC_TOKEN}',
        '  app_secret: ${CLINIC_APP_SECRET}',
        'ai:',
        '  provider: ${AI_PROVIDER:-openai}',
        '  model: ${AI_MODEL:-gpt-4o-mini}',
        '  base_url: ${AI_BASE_URL}',
        '  system_prompt: You help.',
        '',
      ].join('\n'),
    });
    const [loaded] = loadTenantsDir(dir, { CLINIC_PHONE_ID: '5550001', CLINIC_TOKEN: 'EAAG-token', AI_MODEL: 'gpt-4.1' });

    expect(loaded!.config.whatsapp).toEqual({ phone_number_id: '5550001', access_token: 'EAAG-token', max_sends_per_second: 80 });
    expect(loaded!.config.ai).toMatchObject({ provider: 'openai', model: 'gpt-4.1' });
    expect(loaded!.config.ai).not.toHaveProperty('base_url');
    expect(loaded!.unsetVariables).toEqual([
      expect.stringMatching(/^whatsapp\.app_secret .*CLINIC_APP_SECRET/),
      expect.stringMatching(/^ai\.base_url .*AI_BASE_URL/),
    ]);
  });

  it('names the file and the field of an invalid value', () => {
    const dir = folder({ 'bad.yaml': tenant('bad', '1234567', { ai: { provider: 'openai', model: 'm', system_prompt: 'p', temperature: 5 } }) });
    const error = thrownBy(() => loadTenantsDir(dir, {}));
    expect(error.code).toBe('TENANT_FILE_INVALID');
    expect(error.message).toContain('bad.yaml: ai.temperature');

    const hot = folder({ 'hot.yaml': tenant('hot', '1234567', { ai: { provider: 'openai', model: 'm', system_prompt: 'p', temperature: 'hot' } }) });
    const hotError = thrownBy(() => loadTenantFile(path.join(hot, 'hot.yaml'), {}));
    expect(hotError.code).toBe('TENANT_FILE_INVALID');
    expect(hotError.message).toContain('hot.yaml: ai.temperature');
    expect(hotError.message).toContain('"hot"');
  });

  it('names the variable to set when a required field comes from an unset one', () => {
    const dir = folder({ 'env.yaml': tenant('envy', '${ENVY_PHONE_ID}') });
    const error = thrownBy(() => loadTenantsDir(dir, {}));
    expect(error.message).toContain('env.yaml: whatsapp.phone_number_id: ${ENVY_PHONE_ID} is not set');
    expect(loadTenantsDir(dir, { ENVY_PHONE_ID: '1234567' })[0]!.config.whatsapp.phone_number_id).toBe('1234567');
  });

  it('reads numbers that come from variables', () => {
    const dir = folder({ 'num.yaml': tenant('num', '1234567', { conversation: { debounce_ms: '${NUM_DEBOUNCE:-700}' }, memory: { max_turns: '${NUM_TURNS}' } }) });
    const [loaded] = loadTenantsDir(dir, { NUM_TURNS: '4' });
    expect(loaded!.config.conversation.debounce_ms).toBe(700);
    expect(loaded!.config.memory.max_turns).toBe(4);
    expect(thrownBy(() => loadTenantsDir(dir, { NUM_TURNS: 'four' })).message).toContain('memory.max_turns');
  });

  it('names the field of a nested and of a missing required value', () => {
    const dir = folder({
      'tenant.yaml': tenant('tenant', '12', { conversation: { debounce_ms: -5 } }),
    });
    const error = thrownBy(() => loadTenantFile(path.join(dir, 'tenant.yaml'), {}));
    expect(error.message).toContain('tenant.yaml: ');
    expect(error.message).toContain('whatsapp.phone_number_id');
    expect(error.message).toContain('conversation.debounce_ms');

    const { ai: _ai, ...withoutAi } = tenant('no-ai', '1234567');
    const noAi = folder({ 'no-ai.yaml': withoutAi });
    expect(thrownBy(() => loadTenantsDir(noAi, {})).message).toMatch(/no-ai\.yaml: .*\bai\b/);
  });

  it('names the file of invalid YAML', () => {
    const dir = folder({ 'broken.yaml': 'id: clinic\nwhatsapp: [unclosed\n  phone_number_id: : :\n' });
    const error = thrownBy(() => loadTenantFile(path.join(dir, 'broken.yaml'), {}));
    expect(error.code).toBe('TENANT_FILE_NOT_YAML');
    expect(error.message).toContain('broken.yaml');
    expect(thrownBy(() => loadTenantsDir(dir, {})).message).toContain('broken.yaml');
  });

  it('reports every broken file of a folder in one error', () => {
    const dir = folder({
      'a-broken.yaml': 'id: [oops\n  : :\n',
      'b-invalid.yaml': tenant('bb', '1234567', { language: 'english' }),
      'c-fine.yaml': tenant('cc', '7654321'),
    });
    const error = thrownBy(() => loadTenantsDir(dir, {}));
    expect(error.message).toContain('a-broken.yaml');
    expect(error.message).toContain('b-invalid.yaml: language');
    expect(error.message).not.toContain('c-fine.yaml');
  });

  it('rejects unknown keys, naming them', () => {
    const dir = folder({ 'typo.yaml': tenant('typo', '1234567', { colour: 'blue' }) });
    const error = thrownBy(() => loadTenantsDir(dir, {}));
    expect(error.code).toBe('TENANT_FILE_INVALID');
    expect(error.message).toContain('typo.yaml');
    expect(error.message).toContain('colour');

    const nested = folder({ 'nested.yaml': tenant('nested', '1234567', { ai: { provider: 'openai', model: 'm', system_prompt: 'p', temprature: 0.5 } }) });
    const nestedError = thrownBy(() => loadTenantsDir(nested, {}));
    expect(nestedError.message).toContain('nested.yaml: ai');
    expect(nestedError.message).toContain('temprature');
  });

  it('refuses two files with the same phone_number_id, naming both', () => {
    const dir = folder({ 'first.yaml': tenant('first', '5550001'), 'second.yaml': tenant('second', '5550001') });
    const error = thrownBy(() => loadTenantsDir(dir, {}));
    expect(error.code).toBe('TENANT_PHONE_ID_TAKEN');
    expect(error.message).toContain('5550001');
    expect(error.message).toContain('first.yaml');
    expect(error.message).toContain('second.yaml');
  });

  it('refuses two files with the same id, naming both', () => {
    const dir = folder({ 'one.yaml': tenant('same', '5550001'), 'two.yml': tenant('same', '5550002') });
    const error = thrownBy(() => loadTenantsDir(dir, {}));
    expect(error.code).toBe('TENANT_ID_TAKEN');
    expect(error.message).toContain('one.yaml');
    expect(error.message).toContain('two.yml');
  });

  it('loads .yaml and .yml files and ignores the rest', () => {
    const dir = folder({ 'a.yaml': tenant('aa', '5550001'), 'b.yml': tenant('bb', '5550002'), 'README.md': '# notes', 'c.yaml.bak': 'not: loaded' });
    expect(loadTenantsDir(dir, {}).map((loaded) => loaded.config.id).sort()).toEqual(['aa', 'bb']);
  });

  it('refuses an empty folder', () => {
    expect(thrownBy(() => loadTenantsDir(folder(), {})).code).toBe('TENANTS_DIR_EMPTY');
    expect(thrownBy(() => loadTenantsDir(folder({ 'README.md': '# no tenants' }), {})).code).toBe('TENANTS_DIR_EMPTY');
  });

  it('refuses a missing folder, and a file given as the folder', () => {
    const parent = folder({ 'file.yaml': tenant('aa', '5550001') });
    const missing = thrownBy(() => loadTenantsDir(path.join(parent, 'no-such-folder'), {}));
    expect(missing.code).toBe('TENANTS_DIR_MISSING');
    expect(missing.message).toContain('no-such-folder');
    expect(thrownBy(() => loadTenantsDir(path.join(parent, 'file.yaml'), {})).code).toBe('TENANTS_DIR_MISSING');
    mkdirSync(path.join(parent, 'nested'));
    expect(thrownBy(() => loadTenantsDir(path.join(parent, 'nested'), {})).code).toBe('TENANTS_DIR_EMPTY');
  });

  it('loads the three shipped tenant files', () => {
    const env = {
      DENTAL_WHATSAPP_TOKEN: 'dental-token',
      REALESTATE_WHATSAPP_TOKEN: 'realestate-token',
      FOOD_WHATSAPP_TOKEN: 'food-token',
    };
    const loaded = loadTenantsDir(SHIPPED_TENANTS, env);
    const byPhone = new Map(loaded.map((tenant) => [tenant.config.whatsapp.phone_number_id, tenant.config]));

    expect([...byPhone.keys()].sort()).toEqual(['106540352242922', '107655329033811', '108800451277012']);
    expect(byPhone.get('107655329033811')).toMatchObject({ id: 'dental_clinic_br', language: 'pt', whatsapp: { access_token: 'dental-token' } });
    expect(byPhone.get('106540352242922')).toMatchObject({ id: 'dubai_real_estate', whatsapp: { access_token: 'realestate-token' } });
    expect(byPhone.get('108800451277012')).toMatchObject({ id: 'food_retail_us', whatsapp: { access_token: 'food-token' } });
    for (const tenant of loaded) {
      // With nothing set, the shipped tenants run the local model (the pulled default file).
      expect(tenant.config.ai).toMatchObject({ provider: 'local', model: 'gpt-4o-mini' });
      expect(tenant.config.ai).not.toHaveProperty('base_url');
      expect(tenant.config.ai).not.toHaveProperty('model_path');
      expect(tenant.unsetVariables.some((entry) => entry.includes('AI_BASE_URL'))).toBe(true);
    }
  });

  it('switches all three shipped tenants to a hosted provider with AI_PROVIDER', () => {
    for (const tenant of loadTenantsDir(SHIPPED_TENANTS, { AI_PROVIDER: 'openai' })) {
      expect(tenant.config.ai).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    }
  });

  it('lets the environment pick the model of the shipped tenants', () => {
    const loaded = loadTenantsDir(SHIPPED_TENANTS, { AI_PROVIDER: 'openai-compatible', AI_MODEL: 'llama3.2', AI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    for (const tenant of loaded) {
      expect(tenant.config.ai).toMatchObject({ provider: 'openai-compatible', model: 'llama3.2', base_url: 'http://127.0.0.1:11434/v1' });
      expect(tenant.config.whatsapp).not.toHaveProperty('access_token');
    }
  });
});

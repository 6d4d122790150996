import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../shared/errors.js';
import { loadHooks } from './load-hooks.js';

describe('loadHooks', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  /** A tenant folder holding `files`; returns the path of its (unwritten) tenant file, named after the tenant. */
  function tenantFolder(tenantId: string, files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-hooks-'));
    folders.push(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
    return path.join(dir, `${tenantId}.yaml`);
  }

  async function failureOf(load: Promise<unknown>): Promise<SwitchboardError> {
    try {
      await load;
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      return error as SwitchboardError;
    }
    throw new Error('expected loadHooks to fail');
  }

  it('loads a TypeScript hooks module relative to the tenant file', async () => {
    const tenantFile = tenantFolder('clinic_ts', {
      'hooks.ts': [
        'interface Reply { tenantId: string; userId: string; text: string }',
        'export function beforeReply(input: Reply): string {',
        '  return `${input.text.toUpperCase()} (${input.tenantId})`;',
        '}',
        'export const afterTurn = async (): Promise<void> => {};',
      ].join('\n'),
    });

    const hooks = await loadHooks(tenantFile, './hooks.ts');

    expect(Object.keys(hooks).sort()).toEqual(['afterTurn', 'beforeReply']);
    expect(hooks.beforeReply!({ tenantId: 'clinic_ts', userId: 'u1', text: 'hello' })).toBe('HELLO (clinic_ts)');
  });

  it('loads a JavaScript (.mjs) hooks module and ignores its default export', async () => {
    const tenantFile = tenantFolder('shop_mjs', {
      'hooks.mjs': ['export function onOrder(input) { return input.order.id; }', 'export default { note: "not a hook" };'].join('\n'),
    });

    const hooks = await loadHooks(tenantFile, 'hooks.mjs');

    expect(Object.keys(hooks)).toEqual(['onOrder']);
    expect(hooks.onOrder!({ tenantId: 'shop_mjs', userId: 'u1', order: { id: 'order-9', status: 'confirmed', totalMinor: 100, currency: 'USD', lines: [] } })).toBe('order-9');
  });

  it('refuses a module that does not exist, naming the tenant file', async () => {
    const tenantFile = tenantFolder('clinic_missing', {});

    const error = await failureOf(loadHooks(tenantFile, './nowhere.ts'));

    expect(error.code).toBe('TENANT_HOOKS_INVALID');
    expect(error.message).toContain('clinic_missing.yaml: hooks');
    expect(error.message).toContain('nowhere.ts does not exist');
  });

  it('refuses a TypeScript module with a syntax error, naming the tenant file', async () => {
    const tenantFile = tenantFolder('clinic_broken_ts', { 'hooks.ts': 'export function beforeReply(input: { text: string ) {\n  return input.text;\n}\n' });

    const error = await failureOf(loadHooks(tenantFile, './hooks.ts'));

    expect(error.code).toBe('TENANT_HOOKS_INVALID');
    expect(error.message).toContain('clinic_broken_ts.yaml: hooks');
    expect(error.message).toContain('could not be loaded');
  });

  it('refuses a JavaScript module with a syntax error, naming the tenant file', async () => {
    const tenantFile = tenantFolder('clinic_broken_mjs', { 'hooks.mjs': 'export const beforeReply = (;\n' });

    const error = await failureOf(loadHooks(tenantFile, './hooks.mjs'));

    expect(error.code).toBe('TENANT_HOOKS_INVALID');
    expect(error.message).toContain('clinic_broken_mjs.yaml: hooks');
    expect(error.message).toContain('could not be loaded');
  });

  it('refuses an export that is not a hook name and lists the hook names', async () => {
    const tenantFile = tenantFolder('clinic_typo', { 'hooks.mjs': 'export function beforeReplay() { return "x"; }\n' });

    const error = await failureOf(loadHooks(tenantFile, './hooks.mjs'));

    expect(error.code).toBe('TENANT_HOOKS_INVALID');
    expect(error.message).toContain('clinic_typo.yaml: hooks');
    expect(error.message).toContain('exports "beforeReplay", which is not a hook');
    expect(error.message).toContain('beforeReply, afterTurn, onEscalation, onLead, onOrder');
  });

  it('refuses a hook name exported as something other than a function', async () => {
    const tenantFile = tenantFolder('clinic_not_function', { 'hooks.ts': 'export const beforeReply: string = "always this";\n' });

    const error = await failureOf(loadHooks(tenantFile, './hooks.ts'));

    expect(error.code).toBe('TENANT_HOOKS_INVALID');
    expect(error.message).toContain('clinic_not_function.yaml: hooks');
    expect(error.message).toContain('"beforeReply" must be a function');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { runHook } from './run-hook.js';
import type { TenantHooks } from './tenant-hooks.js';

function capturedLogger() {
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  return { log, logs };
}

describe('runHook', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns the value of the hook, which gets the input', async () => {
    const { log, logs } = capturedLogger();
    const hooks: TenantHooks = { beforeReply: async (input) => `${input.text}!` };

    const result = await runHook(hooks, 'beforeReply', { tenantId: 'tenant-value', userId: 'u1', text: 'hello' }, log);

    expect(result).toBe('hello!');
    expect(logs).toEqual([]);
  });

  it('returns the value of a synchronous hook', async () => {
    const { log } = capturedLogger();
    const hooks: TenantHooks = { beforeReply: (input) => input.text.toUpperCase() };

    expect(await runHook(hooks, 'beforeReply', { tenantId: 'tenant-sync', userId: 'u1', text: 'hi' }, log)).toBe('HI');
  });

  it('returns undefined when the tenant has no such hook, or no hooks at all', async () => {
    const { log, logs } = capturedLogger();
    const hooks: TenantHooks = { afterTurn: vi.fn() };

    expect(await runHook(hooks, 'beforeReply', { tenantId: 'tenant-none', userId: 'u1', text: 'hi' }, log)).toBeUndefined();
    expect(await runHook(undefined, 'beforeReply', { tenantId: 'tenant-none', userId: 'u1', text: 'hi' }, log)).toBeUndefined();
    expect(hooks.afterTurn).not.toHaveBeenCalled();
    expect(logs).toEqual([]);
  });

  it('returns undefined and logs hook.failed when the hook rejects', async () => {
    const { log, logs } = capturedLogger();
    const hooks: TenantHooks = {
      onLead: async () => {
        throw new Error('crm is down');
      },
    };

    const result = await runHook(hooks, 'onLead', { tenantId: 'tenant-reject', userId: 'u1', lead: {}, complete: false }, log);

    expect(result).toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ level: 40, msg: 'hook.failed', tenantId: 'tenant-reject', hook: 'onLead', code: 'UNEXPECTED', message: 'crm is down' })]);
  });

  it('returns undefined and logs hook.failed when the hook throws synchronously', async () => {
    const { log, logs } = capturedLogger();
    const hooks: TenantHooks = {
      beforeReply: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };

    const result = await runHook(hooks, 'beforeReply', { tenantId: 'tenant-throw', userId: 'u1', text: 'hi' }, log);

    expect(result).toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ msg: 'hook.failed', tenantId: 'tenant-throw', hook: 'beforeReply', message: 'cannot read properties of undefined' })]);
  });

  it('gives up on a hook that never finishes after 5 seconds and logs hook.failed', async () => {
    vi.useFakeTimers();
    const { log, logs } = capturedLogger();
    const hooks: TenantHooks = { afterTurn: () => new Promise<void>(() => {}) };
    let settled = false;

    // 1. The hook starts and hangs.
    const outcome = runHook(hooks, 'afterTurn', { tenantId: 'tenant-hang', userId: 'u1', outcome: 'answered', reply: 'ok' }, log).finally(() => {
      settled = true;
    });
    // 2. Just before the deadline it is still waited for.
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    expect(logs).toEqual([]);
    // 3. At the deadline it is abandoned.
    await vi.advanceTimersByTimeAsync(1);

    expect(await outcome).toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ msg: 'hook.failed', tenantId: 'tenant-hang', hook: 'afterTurn', message: 'did not finish within 5000 ms' })]);
  });

  it('leaves no timer behind when the hook finishes in time', async () => {
    vi.useFakeTimers();
    const { log } = capturedLogger();
    const hooks: TenantHooks = { onEscalation: async () => {} };

    await runHook(hooks, 'onEscalation', { tenantId: 'tenant-timer', userId: 'u1', trigger: 'keyword' }, log);

    expect(vi.getTimerCount()).toBe(0);
  });
});

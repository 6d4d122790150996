import { afterEach, describe, expect, it, vi } from 'vitest';
import { SwitchboardError } from '../shared/errors.js';
import { readEnv } from './env.js';

function readError(source: Record<string, string | undefined>): SwitchboardError {
  try {
    readEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    return error as SwitchboardError;
  }
  throw new Error('readEnv accepted an invalid environment');
}

describe('readEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fills in the defaults', () => {
    expect(readEnv({})).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      TENANTS_DIR: './tenants',
      DATABASE_URL: 'sqlite:./data/switchboard.db',
      WHATSAPP_GRAPH_URL: 'https://graph.facebook.com',
      WHATSAPP_API_VERSION: 'v25.0',
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: 256,
      SQLITE_SYNCHRONOUS: 'normal',
    });
    const env = readEnv({});
    expect(env.ADMIN_TOKEN).toBeUndefined();
    expect(env.WHATSAPP_APP_SECRET).toBeUndefined();
  });

  it('reads the given values, numbers as numbers', () => {
    const env = readEnv({
      PORT: '8080',
      DATABASE_URL: 'sqlite::memory:',
      WHATSAPP_API_VERSION: 'v26.1',
      WORKER_CONCURRENCY: '16',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      LOG_LEVEL: 'debug',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'sqlite::memory:',
      WHATSAPP_API_VERSION: 'v26.1',
      WORKER_CONCURRENCY: 16,
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      LOG_LEVEL: 'debug',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(readEnv({ PORT: '', WORKER_CONCURRENCY: '' })).toMatchObject({ PORT: 3000, WORKER_CONCURRENCY: 256 });
  });

  it('rejects an invalid PORT, naming it', () => {
    for (const port of ['abc', '70000', '-1', '80.5']) {
      const error = readError({ PORT: port });
      expect(error.code).toBe('ENV_INVALID');
      expect(error.message).toContain('PORT');
    }
  });

  it('names every invalid variable in one error', () => {
    const error = readError({ ADMIN_TOKEN: 'short', WHATSAPP_API_VERSION: 'latest', LOG_LEVEL: 'loud', SQLITE_SYNCHRONOUS: 'off' });
    expect(error.code).toBe('ENV_INVALID');
    for (const name of ['ADMIN_TOKEN', 'WHATSAPP_API_VERSION', 'LOG_LEVEL', 'SQLITE_SYNCHRONOUS']) expect(error.message).toContain(name);
    expect(error.message).toContain('16 characters');
  });

  it('never puts a value in the error message', () => {
    const error = readError({ ADMIN_TOKEN: 'tiny-secret' });
    expect(error.message).not.toContain('tiny-secret');
  });

  it('returns a frozen object that keeps the source apart from process.env', () => {
    vi.stubEnv('PORT', '4321');
    const source = { PORT: '5000', CUSTOM_TOKEN: 'from-source' };
    const env = readEnv(source);
    expect(env.PORT).toBe(5000);
    expect(env.raw).toEqual(source);
    expect(Object.isFrozen(env)).toBe(true);
    expect(Object.isFrozen(env.raw)).toBe(true);
    source.CUSTOM_TOKEN = 'changed later';
    expect(env.raw['CUSTOM_TOKEN']).toBe('from-source');
    expect(() => {
      (env as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('reads process.env when no source is given', () => {
    vi.stubEnv('PORT', '4321');
    expect(readEnv().PORT).toBe(4321);
  });

  it('reads WHATSAPP_SANDBOX as a flag, off by default; a default from the caller yields to the variable', () => {
    expect(readEnv({}).WHATSAPP_SANDBOX).toBe(false);
    expect(readEnv({ WHATSAPP_SANDBOX: '1' }).WHATSAPP_SANDBOX).toBe(true);
    expect(readEnv({}, { WHATSAPP_SANDBOX: '1' }).WHATSAPP_SANDBOX).toBe(true); // serve --sandbox (npm start)
    expect(readEnv({ WHATSAPP_SANDBOX: '0' }, { WHATSAPP_SANDBOX: '1' }).WHATSAPP_SANDBOX).toBe(false);
    expect(readEnv({ WHATSAPP_SANDBOX: '' }, { WHATSAPP_SANDBOX: '1' }).WHATSAPP_SANDBOX).toBe(true);
    expect(readError({ WHATSAPP_SANDBOX: 'maybe' }).message).toContain('WHATSAPP_SANDBOX');
  });
});

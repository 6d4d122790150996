import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildApp, type App } from '../../src/app.js';
import { readEnv } from '../../src/config/index.js';
import type { Clock } from '../../src/ports/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { postWebhook } from './webhooks.js';

export const APP_SECRET = 'test-app-secret-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const VERIFY_TOKEN = 'test-verify-token';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** A tenant file as an object; `tenantFile()` fills in what a test does not care about. */
export function tenantFile(overrides: {
  id: string;
  phoneNumberId: string;
  modelUrl: string;
  language?: string;
  systemPrompt?: string;
  keywords?: string[];
  notify?: string;
  debounceMs?: number;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    id: overrides.id,
    name: `Business ${overrides.id}`,
    language: overrides.language ?? 'en',
    timezone: 'UTC',
    whatsapp: { phone_number_id: overrides.phoneNumberId, access_token: `token-${overrides.id}` },
    ai: {
      provider: 'openai-compatible',
      model: 'fake-model',
      base_url: overrides.modelUrl,
      timeout: '5s',
      system_prompt: overrides.systemPrompt ?? `You are the assistant of ${overrides.id}.`,
      business_context: `Context of ${overrides.id}`,
    },
    conversation: { debounce_ms: overrides.debounceMs ?? 0 },
    escalation: {
      keywords: overrides.keywords ?? ['agent'],
      ...(overrides.notify ? { notify: overrides.notify } : {}),
    },
    ...overrides.extra,
  };
}

export interface RunningSwitchboard {
  url: string;
  app: App;
  dir: string;
  databaseFile: string;
  post(body: unknown, options?: { appSecret?: string; signature?: string | null }): Promise<{ status: number; text: string }>;
  admin(method: 'GET' | 'POST', pathname: string, token?: string | null): Promise<{ status: number; json: any }>;
  /** Resolves once every acknowledged webhook has left the journal for the mailboxes (statuses applied or parked). */
  distributed(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the real server in this process on 127.0.0.1:0 with its own tenants folder and database.
 * Pass `tenantsDir` to use existing files (the shipped tenants) instead of `tenants`.
 */
export async function startSwitchboard(options: {
  graphUrl: string;
  tenants?: Array<Record<string, unknown>>;
  tenantsDir?: string;
  env?: Record<string, string>;
  clock?: Clock;
  databaseFile?: string;
}): Promise<RunningSwitchboard> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-test-'));
  const tenantsDir = options.tenantsDir ?? path.join(dir, 'tenants');
  if (!options.tenantsDir) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(tenantsDir);
    for (const tenant of options.tenants ?? []) writeFileSync(path.join(tenantsDir, `${String(tenant['id'])}.yaml`), stringify(tenant));
  }
  const databaseFile = options.databaseFile ?? path.join(dir, 'switchboard.db');
  const env = readEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    TENANTS_DIR: tenantsDir,
    DATABASE_URL: `sqlite:${databaseFile}`,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_GRAPH_URL: options.graphUrl,
    ADMIN_TOKEN,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ...options.env,
  });
  const app = await buildApp({
    env,
    logger: createLogger({ level: env.LOG_LEVEL }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const { url } = await app.start();
  const base = url!;
  return {
    url: base,
    app,
    dir,
    databaseFile,
    post: (body, postOptions = {}) => postWebhook(base, body, { appSecret: APP_SECRET, ...postOptions }),
    async admin(method, pathname, token = ADMIN_TOKEN) {
      const response = await fetch(`${base}${pathname}`, {
        method,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    },
    async distributed() {
      await eventually(async () => (await app.database.db.selectFrom('webhook_journal').select('id').limit(1).execute()).length === 0, 'the webhook journal to be distributed');
    },
    async stop() {
      await app.stop();
      if (!options.databaseFile) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Gives the worker time to do anything it would (wrongly) do; used before asserting that nothing happened. */
export function settle(ms = 400): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

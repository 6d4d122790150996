import { z } from 'zod';
import { SwitchboardError } from '../shared/errors.js';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  TENANTS_DIR: z.string().default('./tenants'),
  DATABASE_URL: z.string().default('sqlite:./data/switchboard.db'),
  WHATSAPP_VERIFY_TOKEN: z.string().optional(),
  WHATSAPP_APP_SECRET: z.string().optional(),
  WHATSAPP_GRAPH_URL: z.url().default('https://graph.facebook.com'), // ignored in sandbox mode: sends stay in-process
  // A built-in stand-in for the Graph API answers the sends and the simulator chats as the customer; nothing leaves the machine.
  WHATSAPP_SANDBOX: z.stringbool().default(false),
  WHATSAPP_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'expected a version such as v25.0').default('v25.0'),
  ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(5000).default(256),
  SQLITE_SYNCHRONOUS: z.enum(['normal', 'full']).default('normal'),
  // provider: local (node-llama-cpp)
  MODELS_DIR: z.string().default('./models'), // GGUF files; ai.model_path is relative to it
  LOCAL_MODEL_URL: z.url().optional(), // where `model pull` downloads the default model from (a mirror)
  LOCAL_MODEL_AUTO_PULL: z.stringbool().default(true), // serve pulls a missing default model in the background
  LOCAL_MODEL_SEQUENCES: z.coerce.number().int().min(1).max(64).default(2), // turns generated at once per model; more wait in line
  LOCAL_MODEL_CONTEXT: z.coerce.number().int().min(512).max(131_072).default(4096), // tokens per sequence
  LOCAL_MODEL_THREADS: z.coerce.number().int().min(0).max(256).default(0), // 0: all cores but one
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // Scale mode: set, Redis holds the job queue (BullMQ), de-duplication, rate limits and the context cache.
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected redis://[:password@]host:6379[/db] (rediss:// for TLS)').optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_{}:-]+$/, 'letters, digits and _ - : { } only').default('switchboard'), // {switchboard} on Redis Cluster
  WORKER_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).optional(), // default 30 s with Redis (renewed), 120 s without
  JOBS_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(10_000), // BullMQ's check for jobs of dead workers
});

/** The environment, read once, validated and frozen. Nothing else reads `process.env`. */
export type Env = Readonly<z.infer<typeof envSchema>> & { readonly raw: Readonly<Record<string, string | undefined>> };

/**
 * Reads and validates `source` (default `process.env`). `defaults` stand in for unset variables before the
 * schema's own defaults: `serve --sandbox` (npm start) passes `{ WHATSAPP_SANDBOX: '1' }`.
 */
export function readEnv(source: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}): Env {
  // An empty variable (`PORT=`) means unset, not 0.
  const present = { ...defaults, ...Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== '')) };
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new SwitchboardError({ code: 'ENV_INVALID', message: `environment: ${details}` });
  }
  return Object.freeze({ ...result.data, raw: Object.freeze({ ...source }) });
}

import { z } from 'zod';
import { SwitchboardError } from '../shared/errors.js';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  TENANTS_DIR: z.string().default('./tenants'),
  DATABASE_URL: z.string().default('sqlite:./data/switchboard.db'),
  WHATSAPP_VERIFY_TOKEN: z.string().optional(),
  WHATSAPP_APP_SECRET: z.string().optional(),
  WHATSAPP_GRAPH_URL: z.url().default('https://graph.facebook.com'),
  WHATSAPP_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'expected a version such as v25.0').default('v25.0'),
  ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(5000).default(256),
  SQLITE_SYNCHRONOUS: z.enum(['normal', 'full']).default('normal'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
});

/** The environment, read once, validated and frozen. Nothing else reads `process.env`. */
export type Env = Readonly<z.infer<typeof envSchema>> & { readonly raw: Readonly<Record<string, string | undefined>> };

export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty variable (`PORT=`) means unset, not 0.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new SwitchboardError({ code: 'ENV_INVALID', message: `environment: ${details}` });
  }
  return Object.freeze({ ...result.data, raw: Object.freeze({ ...source }) });
}

#!/usr/bin/env node
import { Command, Option } from 'commander';
import { checkTenantAssets } from './actions/index.js';
import { buildApp, type Role } from './app.js';
import { readEnv } from './config/env.js';
import { loadTenantsDir } from './config/load-tenants.js';
import { SwitchboardError } from './shared/errors.js';
import { createLogger } from './shared/logger.js';

const program = new Command()
  .name('switchboard')
  .description('One backend for many WhatsApp AI assistants')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the webhook server and the worker')
  .addOption(new Option('--role <role>', 'api: webhooks and admin; worker: jobs; all: both').choices(['api', 'worker', 'all']).default('all'))
  .action(async (options: { role: Role }) => {
    const env = readEnv();
    const log = createLogger({ level: env.LOG_LEVEL });
    const app = await buildApp({ env, role: options.role, logger: log });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'server.stopping');
      const forced = setTimeout(() => {
        log.error('server.stop_timeout');
        process.exit(1);
      }, 30_000);
      forced.unref();
      await app.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    await app.start();
  });

program
  .command('check')
  .description('validate the tenant files (TENANTS_DIR) and exit')
  .action(async () => {
    const env = readEnv();
    const tenants = loadTenantsDir(env.TENANTS_DIR, env.raw);
    for (const tenant of tenants) {
      const unset = tenant.unsetVariables.length > 0 ? ` (unset: ${tenant.unsetVariables.join(', ')})` : '';
      const assets = await checkTenantAssets(tenant.file, tenant.config);
      const tools = Object.keys(tenant.config.tools);
      const extras = [...(tools.length > 0 ? [`tools ${tools.join(', ')}`] : []), ...assets];
      console.log(`ok  ${tenant.file}: ${tenant.config.id} on ${tenant.config.whatsapp.phone_number_id}${unset}${extras.length > 0 ? `; ${extras.join('; ')}` : ''}`);
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  // Configuration errors are for people: one clear line, no stack trace.
  if (error instanceof SwitchboardError) {
    console.error(`switchboard: ${error.code}: ${error.message}`);
  } else {
    console.error('switchboard: unexpected failure', error);
  }
  process.exit(1);
});

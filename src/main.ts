#!/usr/bin/env node
import { Command, Option } from 'commander';
import { checkTenantAssets } from './actions/index.js';
import { buildApp, type Role } from './app.js';
import { runChat } from './cli/chat.js';
import { readEnv } from './config/env.js';
import { loadTenantsDir } from './config/load-tenants.js';
import { DEFAULT_MODEL, pullDefaultModelIfMissing, pullModel } from './models/index.js';
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
  .option('--sandbox', 'simulate WhatsApp unless WHATSAPP_SANDBOX is set (npm start); WHATSAPP_SANDBOX=0 goes live')
  .action(async (options: { role: Role; sandbox?: boolean }) => {
    const env = readEnv(undefined, options.sandbox ? { WHATSAPP_SANDBOX: '1' } : {});
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
    // Tenants on the default local model: fetch it in the background; they fall back until it is there.
    if (env.LOCAL_MODEL_AUTO_PULL && options.role !== 'api') {
      void pullDefaultModelIfMissing({ models: app.tenants.all().map((tenant) => tenant.model), model: DEFAULT_MODEL, modelsDir: env.MODELS_DIR, url: env.LOCAL_MODEL_URL, log });
    }
  });

program
  .command('model')
  .description('the local model of provider: local')
  .command('pull')
  .description(`download the default local model (${DEFAULT_MODEL.label}) into MODELS_DIR, checking its size and SHA-256`)
  .option('--url <url>', 'download from this mirror (default LOCAL_MODEL_URL, else Hugging Face)')
  .action(async (options: { url?: string }) => {
    const env = readEnv();
    const { file, status } = await pullModel({ model: DEFAULT_MODEL, modelsDir: env.MODELS_DIR, url: options.url ?? env.LOCAL_MODEL_URL });
    console.log(`ok  ${file}: ${status === 'present' ? 'already there' : 'downloaded'}, ${DEFAULT_MODEL.sizeBytes} bytes, sha256 verified`);
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

program
  .command('chat')
  .description('chat with a tenant as a customer through a sandbox server (the simulator in a terminal)')
  .requiredOption('--tenant <id>', 'the tenant to talk to')
  .option('--from <number>', "the customer's number, with its country code", '15550101234')
  .option('--url <url>', 'the server (default http://127.0.0.1:$PORT)')
  .option('--token <token>', 'an admin token (default $ADMIN_TOKEN)')
  .option('--wait <ms>', 'piped input: longest wait for the replies to each line', '15000')
  .action(async (options: { tenant: string; from: string; url?: string; token?: string; wait: string }) => {
    const env = readEnv();
    await runChat({
      tenantId: options.tenant,
      from: options.from,
      url: options.url ?? `http://127.0.0.1:${env.PORT || 3000}`,
      token: options.token ?? env.ADMIN_TOKEN,
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
      interactive: process.stdin.isTTY === true,
      waitMs: Number(options.wait) > 0 ? Number(options.wait) : 15_000,
    });
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

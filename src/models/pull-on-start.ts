import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModelSettings } from '../ports/chat-model.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { PinnedModel } from './default-model.js';
import { pullModel } from './pull-model.js';
import type { ProgressOutput } from './progress-bar.js';

/**
 * On `serve`: when a tenant runs the default local model (provider `local`, no `ai.model_path`) and
 * its file is not there yet, download it once in the background, with the progress bar on stderr.
 * The server does not wait: until the file is in place those tenants answer with their fallback text
 * and escalate; after, their next turn loads it. A failure is one clear log line, not a crash.
 * Resolves with what happened (`not-needed`, `pulled`, `failed`), for tests.
 */
export async function pullDefaultModelIfMissing(options: {
  models: readonly ModelSettings[];
  model: PinnedModel;
  modelsDir: string;
  url?: string | undefined;
  log: Logger;
  progress?: ProgressOutput | null;
  fetch?: typeof fetch;
}): Promise<'not-needed' | 'pulled' | 'failed'> {
  const file = path.resolve(options.modelsDir, options.model.file);
  const needed = options.models.some((settings) => settings.provider === 'local' && !settings.modelPath);
  if (!needed || existsSync(file)) return 'not-needed';
  options.log.info({ model: options.model.label, url: options.url ?? options.model.url, file }, 'model.pull_started');
  try {
    await pullModel({
      model: options.model,
      modelsDir: options.modelsDir,
      url: options.url,
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    options.log.info({ model: options.model.label, file }, 'model.pulled');
    return 'pulled';
  } catch (error) {
    const { code, message } = describeError(error);
    options.log.error(
      { code, error: message, degraded: 'tenants on the default local model answer with their fallback text and escalate until the file is in place' },
      'model.pull_failed',
    );
    return 'failed';
  }
}

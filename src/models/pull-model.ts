import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { SwitchboardError } from '../shared/errors.js';
import type { PinnedModel } from './default-model.js';
import { createProgressBar, type ProgressOutput } from './progress-bar.js';

export interface PullOptions {
  model: PinnedModel;
  modelsDir: string;
  /** Download from here instead of `model.url` (a mirror); the pinned size and hash still apply. */
  url?: string | undefined;
  fetch?: typeof fetch;
  /** Where the progress bar draws (default stderr); null draws none. */
  progress?: ProgressOutput | null;
  /** The server must answer (headers) within this (default 10 s), so no network fails fast. */
  connectTimeoutMs?: number;
  /** A download that receives nothing for this long is abandoned (default 60 s). */
  idleTimeoutMs?: number;
}

export interface PullResult {
  file: string;
  /** `present`: the file was already there and verified; nothing was downloaded. */
  status: 'present' | 'downloaded';
}

/**
 * Downloads a pinned model into `modelsDir`: to `<file>.part` (resumed with a Range request when a
 * previous attempt left one), checks the byte count and the SHA-256 against the pinned values, then
 * renames it into place, so a model file under its final name is always complete and verified.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const { model } = options;
  const file = path.resolve(options.modelsDir, model.file);
  const shown = path.relative(process.cwd(), file) || file;
  if (existsSync(file)) {
    const problem = await verify(file, model);
    if (!problem) return { file, status: 'present' };
    rmSync(file); // a wrong file under the final name would be loaded: replace it
  }
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw new SwitchboardError({ code: 'MODEL_PULL_FAILED', message: `cannot write to ${path.dirname(shown)}: ${(error as Error).message}; set MODELS_DIR to a writable folder`, cause: error });
  }
  const partial = `${file}.part`;
  const url = options.url ?? model.url;
  const host = safeHost(url);
  const fetchImpl = options.fetch ?? fetch;

  // 1. Resume what a previous attempt left, hashing the bytes already on disk.
  let offset = existsSync(partial) ? statSync(partial).size : 0;
  if (offset >= model.sizeBytes) {
    rmSync(partial);
    offset = 0;
  }
  const hash = createHash('sha256');
  if (offset > 0) await hashInto(hash, partial);

  // 2. Ask for the rest. Headers must come within connectTimeoutMs; then bytes must keep coming.
  const controller = new AbortController();
  let timedOut: 'connect' | 'idle' | null = null;
  let timer = setTimeout(() => {
    timedOut = 'connect';
    controller.abort();
  }, options.connectTimeoutMs ?? 10_000);
  const failed = (reason: string, cause?: unknown) =>
    new SwitchboardError({
      code: 'MODEL_PULL_FAILED',
      message:
        `could not download ${model.label} from ${host}: ${reason}. ` +
        `Without network, copy ${model.file} (sha256 ${model.sha256}) into ${path.dirname(shown)}/, or set LOCAL_MODEL_URL to a mirror`,
      retryable: true,
      cause,
    });
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      redirect: 'follow',
      signal: controller.signal,
    });
  } catch (error) {
    clearTimeout(timer);
    throw failed(timedOut ? `no answer within ${(options.connectTimeoutMs ?? 10_000) / 1000} s` : networkReason(error), error);
  }
  if (response.status !== 200 && response.status !== 206) {
    clearTimeout(timer);
    controller.abort();
    throw failed(`HTTP ${response.status}`);
  }
  if (response.status === 200 && offset > 0) {
    // The server ignored the Range header: start over.
    clearTimeout(timer);
    controller.abort();
    return restartWithoutPartial(options, partial);
  }
  if (!response.body) {
    clearTimeout(timer);
    throw failed('empty response');
  }

  // 3. Stream to the partial file, hashing and drawing the bar as bytes arrive.
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const armIdle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = 'idle';
      controller.abort();
    }, idleMs);
  };
  armIdle();
  const bar = options.progress === null ? null : createProgressBar({ label: model.file, total: model.sizeBytes, startAt: offset, ...(options.progress ? { output: options.progress } : {}) });
  const out = createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' });
  let received = offset;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      armIdle();
      hash.update(chunk);
      received += chunk.byteLength;
      if (received > model.sizeBytes) throw failed(`the server sent more than the pinned ${model.sizeBytes} bytes`);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      bar?.update(received);
    }
  } catch (error) {
    if (error instanceof SwitchboardError) throw error;
    throw failed(timedOut === 'idle' ? `nothing received for ${idleMs / 1000} s` : networkReason(error), error);
  } finally {
    clearTimeout(timer);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    bar?.finish();
  }

  // 4. Verify, then move into place in one rename.
  const digest = hash.digest('hex');
  if (received !== model.sizeBytes || digest !== model.sha256) {
    rmSync(partial, { force: true });
    throw new SwitchboardError({
      code: 'MODEL_CHECKSUM_MISMATCH',
      message:
        `${model.file} from ${host} is not the pinned file (${received} bytes, sha256 ${digest}; expected ${model.sizeBytes} bytes, sha256 ${model.sha256}); ` +
        'the partial download was deleted: run `switchboard model pull` again, or check LOCAL_MODEL_URL',
    });
  }
  renameSync(partial, file);
  return { file, status: 'downloaded' };
}

/** A server that does not resume: drop the partial file and download from the start. */
async function restartWithoutPartial(options: PullOptions, partial: string): Promise<PullResult> {
  rmSync(partial, { force: true });
  return pullModel(options);
}

/** Null when `file` has the pinned size and hash, else what differs. */
export async function verify(file: string, model: PinnedModel): Promise<string | null> {
  const size = statSync(file).size;
  if (size !== model.sizeBytes) return `${size} bytes instead of ${model.sizeBytes}`;
  const hash = createHash('sha256');
  await hashInto(hash, file);
  const digest = hash.digest('hex');
  return digest === model.sha256 ? null : `sha256 ${digest} instead of ${model.sha256}`;
}

async function hashInto(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/** `getaddrinfo ENOTFOUND huggingface.co`, `connect ECONNREFUSED 127.0.0.1:9`: the cause, not undici's "fetch failed". */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { message?: string } } | null)?.cause;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

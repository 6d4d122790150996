// `model pull` against a file server on loopback: nothing leaves the machine.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SwitchboardError } from '../shared/errors.js';
import type { PinnedModel } from './default-model.js';
import { pullModel } from './pull-model.js';

const content = randomBytes(300_000);
const pinned: PinnedModel = {
  file: 'fake-model.gguf',
  url: 'http://127.0.0.1:1/unused',
  sizeBytes: content.length,
  sha256: createHash('sha256').update(content).digest('hex'),
  label: 'Fake model',
};

/** A file server that honours Range, or answers with `override` (a status, a hang, other bytes). */
function startFileServer(): Promise<{ url: string; requests: Array<{ range: string | undefined }>; override: { mode: 'ok' | 'hang' | 'wrong-bytes' | number }; close(): Promise<void> }> {
  const requests: Array<{ range: string | undefined }> = [];
  const override: { mode: 'ok' | 'hang' | 'wrong-bytes' | number } = { mode: 'ok' };
  const server = http.createServer((request, response) => {
    requests.push({ range: request.headers.range });
    if (override.mode === 'hang') return; // accepts, never answers
    if (typeof override.mode === 'number') return void response.writeHead(override.mode).end('no');
    const body = override.mode === 'wrong-bytes' ? Buffer.from(content).fill(7, 0, 10) : content;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      response.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
      return void response.end(body.subarray(start));
    }
    response.writeHead(200, { 'content-length': body.length });
    response.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fake-model.gguf`,
        requests,
        override,
        close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
      }),
    ),
  );
}

/** A port nothing listens on: connections are refused at once, as with no network. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('pullModel', () => {
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;
  const progress = { lines: [] as string[], write(text: string) { this.lines.push(text); } };

  beforeAll(async () => {
    files = await startFileServer();
  });
  afterAll(() => files.close());
  afterEach(() => {
    files.requests.length = 0;
    files.override.mode = 'ok';
    progress.lines.length = 0;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const freshDir = () => (dir = mkdtempSync(path.join(tmpdir(), 'switchboard-pull-')));

  it('downloads, checks size and SHA-256, and renames into place with a progress bar', async () => {
    const modelsDir = path.join(freshDir(), 'models');
    const result = await pullModel({ model: pinned, modelsDir, url: files.url, progress });
    expect(result).toEqual({ file: path.join(modelsDir, 'fake-model.gguf'), status: 'downloaded' });
    expect(readFileSync(result.file).equals(content)).toBe(true);
    expect(existsSync(`${result.file}.part`)).toBe(false);
    expect(progress.lines.at(-1)).toMatch(/^fake-model\.gguf \[█+\] 100% 0\/0 MB .* left\n$/);
  });

  it('does nothing but verify when the file is already there', async () => {
    const modelsDir = freshDir();
    writeFileSync(path.join(modelsDir, 'fake-model.gguf'), content);
    expect((await pullModel({ model: pinned, modelsDir, url: files.url, progress: null })).status).toBe('present');
    expect(files.requests).toHaveLength(0);
  });

  it('resumes an interrupted download where it stopped', async () => {
    const modelsDir = freshDir();
    writeFileSync(path.join(modelsDir, 'fake-model.gguf.part'), content.subarray(0, 100_000));
    await pullModel({ model: pinned, modelsDir, url: files.url, progress: null });
    expect(files.requests).toEqual([{ range: 'bytes=100000-' }]);
    expect(readFileSync(path.join(modelsDir, 'fake-model.gguf')).equals(content)).toBe(true);
  });

  it('rejects bytes that are not the pinned file and keeps nothing of them', async () => {
    const modelsDir = freshDir();
    files.override.mode = 'wrong-bytes';
    const failure = await pullModel({ model: pinned, modelsDir, url: files.url, progress: null }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'MODEL_CHECKSUM_MISMATCH' });
    expect((failure as Error).message).toContain(`expected ${pinned.sizeBytes} bytes, sha256 ${pinned.sha256}`);
    expect(existsSync(path.join(modelsDir, 'fake-model.gguf'))).toBe(false);
    expect(existsSync(path.join(modelsDir, 'fake-model.gguf.part'))).toBe(false);
  });

  it('fails fast with one clear message when nothing answers (no network)', async () => {
    const started = Date.now();
    const failure = await pullModel({ model: pinned, modelsDir: freshDir(), url: `http://127.0.0.1:${await refusedPort()}/m.gguf`, progress: null }).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failure).toBeInstanceOf(SwitchboardError);
    expect(failure).toMatchObject({ code: 'MODEL_PULL_FAILED', retryable: true });
    expect((failure as Error).message).toMatch(
      /^could not download Fake model from 127\.0\.0\.1:\d+: connect ECONNREFUSED [\d.:]+\. Without network, copy fake-model\.gguf \(sha256 [0-9a-f]{64}\) into .+\/, or set LOCAL_MODEL_URL to a mirror$/,
    );
    expect((failure as Error).message).not.toContain('\n');
  });

  it('fails on an HTTP error, and when the server accepts but never answers', async () => {
    files.override.mode = 404;
    await expect(pullModel({ model: pinned, modelsDir: freshDir(), url: files.url, progress: null })).rejects.toThrow(/: HTTP 404\. Without network/);
    files.override.mode = 'hang';
    const started = Date.now();
    await expect(pullModel({ model: pinned, modelsDir: freshDir(), url: files.url, progress: null, connectTimeoutMs: 300 })).rejects.toThrow(/no answer within 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

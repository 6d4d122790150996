// npm run bench:local [-- <file.gguf>] [-- --tiny]: the local model as the pipeline uses it
// (LlamaChatModel, one model step per call), on this machine. Reports load time, memory (RSS),
// prompt evaluation and generation speed, time to a first reply for a new conversation, and two
// turns at once on two sequences. Default file: MODELS_DIR's pulled model; --tiny writes and measures
// the tests' tiny random-weight model instead (its figures say nothing about a real model's speed).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { LlamaChatModel } from '../src/adapters/llama/llama-chat-model.js';
import { DEFAULT_MODEL } from '../src/models/index.js';
import type { ChatRequest, ModelSettings } from '../src/ports/chat-model.js';
import { writeTinyGguf } from '../test/helpers/tiny-gguf.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
const MAX_TOKENS = Number(process.env['BENCH_MAX_TOKENS'] ?? 128);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SEQUENCES = Number(process.env['LOCAL_MODEL_SEQUENCES'] ?? 2);
const CONTEXT = Number(process.env['LOCAL_MODEL_CONTEXT'] ?? 4096);
const THREADS = Number(process.env['LOCAL_MODEL_THREADS'] ?? 0);
const PROMPT_PROBE_TOKENS = 8;

function modelFile(): string {
  if (tiny) {
    const dir = path.join(root, 'bench', 'tmp');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'tiny.gguf');
    writeTinyGguf(file, { seed: 1 });
    return file;
  }
  const given = args.find((arg) => !arg.startsWith('--'));
  const file = path.resolve(given ?? path.join(process.env['MODELS_DIR'] ?? path.join(root, 'models'), DEFAULT_MODEL.file));
  if (!existsSync(file)) {
    console.error(`bench:local: ${file} is missing: run \`npm run model:pull\`, pass a .gguf path, or --tiny for the test model`);
    process.exit(1);
  }
  return file;
}

/** The real estate tenant's prompt: the length of system prompt a shipped tenant sends. */
function shippedPrompt(): string {
  const tenant = parse(readFileSync(path.join(root, 'tenants', 'dubai_real_estate.yaml'), 'utf8')) as { ai: { system_prompt: string; business_context: string } };
  return `${tenant.ai.system_prompt}\n\nBusiness context: ${tenant.ai.business_context}`;
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

async function main(): Promise<void> {
  const file = modelFile();
  const rssBefore = process.memoryUsage().rss;
  const chat = new LlamaChatModel({ modelsDir: path.dirname(file), defaultModelFile: path.basename(file), sequences: SEQUENCES, contextSize: CONTEXT, threads: THREADS });
  const settings: ModelSettings = { provider: 'local', model: path.basename(file), temperature: 0, maxTokens: MAX_TOKENS, timeoutMs: 600_000 };
  const system = shippedPrompt();
  const turn = (run: string, overrides: Partial<ChatRequest> = {}): ChatRequest => ({
    tenantId: `bench_${run}`,
    settings,
    // A distinct first line per run: nothing is reused from an earlier run's cached prompt.
    system: `Conversation ${run}.\n${system}`,
    messages: [{ role: 'user', content: 'Hi! I am looking for a two-bedroom apartment in Dubai Marina, around 2.5 million AED. What can you tell me?' }],
    ...overrides,
  });

  let started = performance.now();
  const info = await chat.load(settings);
  const loadMs = performance.now() - started;
  const rssLoaded = process.memoryUsage().rss;

  const rows: Array<{ promptTokens: number; promptMs: number; firstReplyMs: number; outputTokens: number; generationMs: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    // 1. A new conversation, a few output tokens: mostly prompt evaluation.
    started = performance.now();
    const prompt = await chat.reply(turn(`p${round}`, { settings: { ...settings, maxTokens: PROMPT_PROBE_TOKENS } }));
    const probeMs = performance.now() - started;
    // 2. The same prompt again, now cached: generation only.
    started = performance.now();
    const generated = await chat.reply(turn(`p${round}`));
    const generationMs = performance.now() - started;
    // The probe's few generated tokens, at the rate just measured, are not prompt evaluation.
    const promptMs = Math.max(1, probeMs - (prompt.outputTokens * generationMs) / Math.max(1, generated.outputTokens));
    // 3. Another new conversation, start to finish: what a new user waits for.
    started = performance.now();
    await chat.reply(turn(`f${round}`));
    const firstReplyMs = performance.now() - started;
    rows.push({ promptTokens: prompt.inputTokens, promptMs, firstReplyMs, outputTokens: generated.outputTokens, generationMs });
  }
  // 4. Two new conversations at once, one per sequence.
  started = performance.now();
  const both = await Promise.all([chat.reply(turn('c1')), chat.reply(turn('c2'))]);
  const concurrentMs = performance.now() - started;
  await chat.close();
  clearInterval(sampler);

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const promptTps = median(rows.map((row) => (row.promptTokens / row.promptMs) * 1000));
  const generationTps = median(rows.map((row) => (row.outputTokens / row.generationMs) * 1000));
  const report = {
    model: path.basename(file),
    tiny,
    machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${mb(os.totalmem())} MB`,
    chatWrapper: info.chatWrapper,
    sequences: info.sequences,
    contextSize: info.contextSize,
    loadMs: Math.round(loadMs),
    promptTokens: rows[0]!.promptTokens,
    promptTokensPerSecond: Number(promptTps.toFixed(1)),
    generationTokensPerSecond: Number(generationTps.toFixed(1)),
    outputTokens: rows.map((row) => row.outputTokens),
    firstReplyMs: Math.round(median(rows.map((row) => row.firstReplyMs))),
    twoConcurrentTurnsMs: Math.round(concurrentMs),
    twoConcurrentTokensPerSecond: Number(((both.reduce((sum, reply) => sum + reply.outputTokens, 0) / concurrentMs) * 1000).toFixed(1)),
    rssMb: { before: mb(rssBefore), afterLoad: mb(rssLoaded), peak: mb(peakRss) },
  };
  console.log(
    [
      `model              ${report.model}${tiny ? ' (tiny random-weight test model: not a real model)' : ''}`,
      `machine            ${report.machine}`,
      `load               ${report.loadMs} ms (${report.chatWrapper} chat format, ${report.sequences} sequences × ${report.contextSize} tokens)`,
      `prompt evaluation  ${report.promptTokensPerSecond} tokens/s (${report.promptTokens} prompt tokens)`,
      `generation         ${report.generationTokensPerSecond} tokens/s (up to ${MAX_TOKENS} tokens, temperature 0)`,
      `first reply        ${report.firstReplyMs} ms for a new conversation (median of ${ROUNDS})`,
      `two at once        ${report.twoConcurrentTurnsMs} ms, ${report.twoConcurrentTokensPerSecond} tokens/s together`,
      `memory (RSS)       ${report.rssMb.before} MB before, ${report.rssMb.afterLoad} MB loaded, ${report.rssMb.peak} MB peak`,
    ].join('\n'),
  );
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error('bench:local failed:', error);
  process.exit(1);
});

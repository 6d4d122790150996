// The real server for the benchmark, with an optional in-process model that answers at once
// (BENCH_MODEL=instant), so that the pipeline's own CPU time can be measured without a model's.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp, type Role } from '../src/app.js';
import { readEnv } from '../src/config/index.js';
import type { ChatModel } from '../src/ports/chat-model.js';
import { createLogger } from '../src/shared/logger.js';

const instant: ChatModel = {
  credentialsProblem: () => null,
  reply: async (request) => ({ text: `ok ${request.messages.length}`, toolCalls: [], inputTokens: 10, outputTokens: 2 }),
};

const env = readEnv();
const app = await buildApp({
  env,
  role: (process.env['BENCH_ROLE'] as Role | undefined) ?? 'all',
  logger: createLogger({ level: env.LOG_LEVEL }),
  ...(process.env['BENCH_MODEL'] === 'instant' ? { chatModel: instant } : {}),
});
const { url } = await app.start();
process.stdout.write(`${JSON.stringify({ msg: 'server.started', url })}\n`);
// How long the event loop stalled: what a webhook waiting for its 200 feels.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
process.on('SIGTERM', () => {
  loopDelay.disable();
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  process.stdout.write(`${JSON.stringify({ msg: 'loop.delay', p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) })}\n`);
  void app.stop().then(() => process.exit(0));
});

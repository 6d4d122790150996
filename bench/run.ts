// npm run bench: the webhook path against a bare node:http baseline, the pipeline's own CPU per
// message with an instant model, and an open-loop run with an 800 ms model. All in one run, so that
// machine noise hits every figure alike. Everything talks to loopback only.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { startFakeGraph } from '../test/helpers/fake-graph.js';
import { startFakeModel } from '../test/helpers/fake-model.js';
import { tenantFile } from '../test/helpers/switchboard.js';
import { metaJson, signBody, textMessage } from '../test/helpers/webhooks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'bench-app-secret';
const DURATION_S = Number(process.env['BENCH_DURATION'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const PHONE_IDS = ['180000000000001', '180000000000002', '180000000000003'];

interface Child {
  url: string;
  pid: number;
  /** Event-loop delay the server reported when it stopped (switchboard-server.ts). */
  loopDelay: { p50: string; p99: string; max: string } | null;
  stop(): Promise<void>;
}

async function spawnServer(script: string, env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"msg":"server.started"[^\n]*"url":"([^"]+)"|"url":"([^"]+)"[^\n]*"msg":"server.started"/.exec(buffered);
      if (match) resolve((match[1] ?? match[2])!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const server: Child = {
    url,
    pid: child.pid!,
    loopDelay: null,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /\{"msg":"loop.delay"[^\n]*\}/.exec(output);
    if (match) server.loopDelay = JSON.parse(match[0]) as Child['loopDelay'];
  });
  return server;
}

/** User + system CPU of a process in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

let sequence = 0;
function signedText(userIndex: number, phoneNumberId: string): { body: string; signature: string; user: string } {
  sequence += 1;
  const user = `4470${String(1_000_000 + userIndex).padStart(7, '0')}`;
  const body = metaJson(textMessage({ phoneNumberId, from: user, text: `Hello, is the order ${sequence} ready?`, id: `wamid.bench.${process.pid}.${sequence}` }));
  return { body, signature: signBody(body, SECRET), user };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface ClosedLoopResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** The round with the median requests/s (its latencies with it); errors summed over all rounds. */
function median(rounds: ClosedLoopResult[]): ClosedLoopResult {
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  return { ...sorted[Math.floor(sorted.length / 2)]!, errors: rounds.reduce((sum, round) => sum + round.errors, 0) };
}

async function closedLoop(url: string, seconds = DURATION_S): Promise<ClosedLoopResult> {
  let users = 0;
  const result = await autocannon({
    url: `${url}/webhook`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request: autocannon.Request) => {
          const { body, signature } = signedText(users++ % 1000, PHONE_IDS[users % 3]!);
          return { ...request, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
        },
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

function writeTenants(dir: string, modelUrl: string): string {
  const tenantsDir = path.join(dir, 'tenants');
  mkdirSync(tenantsDir);
  PHONE_IDS.forEach((phoneNumberId, index) => {
    writeFileSync(path.join(tenantsDir, `bench_${index}.yaml`), stringify(tenantFile({ id: `bench_${index}`, phoneNumberId, modelUrl, keywords: ['agent'] })));
  });
  return tenantsDir;
}

async function main() {
  const rows: Array<[string, string]> = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'));
  const graph = await startFakeGraph();
  const model = await startFakeModel({ reply: () => 'Thanks, we are on it.' });
  const tenantsDir = writeTenants(dir, model.url);
  const baseEnv = { TENANTS_DIR: tenantsDir, WHATSAPP_APP_SECRET: SECRET, WHATSAPP_GRAPH_URL: graph.url };

  try {
    // 1. Webhook acknowledgements, closed loop: bare node:http vs the api role (verify, parse, store, 200).
    // Rounds alternate between the two servers and the medians are compared, so that a slow spell of
    // the machine hits both sides alike.
    const baseline = await spawnServer('bench/baseline-server.ts', { WHATSAPP_APP_SECRET: SECRET });
    const api = await spawnServer('bench/switchboard-server.ts', { ...baseEnv, BENCH_ROLE: 'api', DATABASE_URL: `sqlite:${path.join(dir, 'ack.db')}` });
    await closedLoop(baseline.url, 2); // warm-up
    await closedLoop(api.url, 2);
    const bareRounds: ClosedLoopResult[] = [];
    const ackRounds: ClosedLoopResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRounds.push(await closedLoop(baseline.url));
      ackRounds.push(await closedLoop(api.url));
    }
    await baseline.stop();
    await api.stop();
    const bare = median(bareRounds);
    const ack = median(ackRounds);
    rows.push(
      [`bare node:http, ${CONNECTIONS} connections, median of ${ROUNDS}: req/s`, bare.rps.toFixed(0)],
      ['bare node:http: latency p50 / p99 (ms)', `${bare.p50} / ${bare.p99}`],
      [`switchboard webhook, ${CONNECTIONS} connections, median of ${ROUNDS}: req/s`, ack.rps.toFixed(0)],
      ['switchboard webhook: latency p50 / p99 (ms)', `${ack.p50} / ${ack.p99}`],
      ['switchboard / bare (target ≥ 70 %)', `${((ack.rps / bare.rps) * 100).toFixed(0)} %`],
      ['non-2xx or errors (both runs)', String(bare.errors + ack.errors)],
    );

    // 2. Pipeline CPU per message: everything (ingress, turn, outbox, send) with an instant model.
    const messages = Number(process.env['BENCH_MESSAGES'] ?? 3000);
    graph.reset();
    const full = await spawnServer('bench/switchboard-server.ts', { ...baseEnv, BENCH_MODEL: 'instant', DATABASE_URL: `sqlite:${path.join(dir, 'cpu.db')}` });
    const cpuBefore = cpuMs(full.pid);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < messages) {
          const index = next++;
          const { body, signature } = signedText(index % 1000, PHONE_IDS[index % 3]!);
          const response = await fetch(`${full.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
          await response.text();
        }
      }),
    );
    await graph.waitForSends(messages - 1000 * 0, 120_000).catch(() => undefined);
    const elapsed = performance.now() - started;
    const cpuUsed = cpuMs(full.pid) - cpuBefore;
    await full.stop();
    rows.push(
      [`pipeline, instant model: messages (1000 users)`, String(messages)],
      ['pipeline: replies received by the fake Graph API', String(graph.sends.length)],
      ['pipeline: server CPU per message (target ≤ 1 ms)', `${(cpuUsed / messages).toFixed(3)} ms`],
      ['pipeline: messages/s end to end', (messages / (elapsed / 1000)).toFixed(0)],
    );

    // 3. Open loop: 200 messages/s from many users, an 800 ms model, ack and time-to-reply.
    const rate = Number(process.env['BENCH_RATE'] ?? 200);
    const seconds = Number(process.env['BENCH_OPEN_SECONDS'] ?? 10);
    graph.reset();
    model.setLatency(800);
    const open = await spawnServer('bench/switchboard-server.ts', { ...baseEnv, DATABASE_URL: `sqlite:${path.join(dir, 'open.db')}` });
    const openCpuBefore = cpuMs(open.pid);
    const sentAt = new Map<string, number>();
    const ackMs: number[] = [];
    const total = rate * seconds;
    const openStart = performance.now();
    const inflight: Array<Promise<void>> = [];
    for (let index = 0; index < total; index++) {
      const due = openStart + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { body, signature, user } = signedText(10_000 + index, PHONE_IDS[index % 3]!);
      const t0 = performance.now();
      sentAt.set(`+${user}`, Date.now());
      inflight.push(
        fetch(`${open.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } })
          .then((response) => response.text())
          .then(() => {
            ackMs.push(performance.now() - t0);
          }),
      );
    }
    await Promise.all(inflight);
    await graph.waitForSends(total, 60_000).catch(() => undefined);
    const replyMs = graph.sends.map((send) => send.at - (sentAt.get(String(send.body['to'])) ?? send.at));
    const openCpu = (cpuMs(open.pid) - openCpuBefore) / total;
    await open.stop();
    rows.push(
      [`open loop: ${rate} msg/s for ${seconds} s, 800 ms model, distinct users`, `${total} sent, ${graph.sends.length} replied`],
      ['open loop: ack p50 / p99 (target p99 < 25 ms)', `${percentile(ackMs, 50).toFixed(1)} / ${percentile(ackMs, 99).toFixed(1)} ms`],
      ['open loop: time to reply p50 / p99 (target p99 < 1 s)', `${percentile(replyMs, 50).toFixed(0)} / ${percentile(replyMs, 99).toFixed(0)} ms`],
      ['open loop: server CPU per message (providers over HTTP)', `${openCpu.toFixed(3)} ms`],
      ['open loop: server event-loop delay p50 / p99 / max', open.loopDelay ? `${open.loopDelay.p50} / ${open.loopDelay.p99} / ${open.loopDelay.max} ms` : 'n/a'],
    );
  } finally {
    await graph.close();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\nSwitchboard benchmark — node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
  console.log(`| ${'measure'.padEnd(width)} | value |`);
  console.log(`| ${'-'.repeat(width)} | ----- |`);
  for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value} |`);
}

await main();

// npm run bench: the webhook path against a bare node:http baseline and against the same api role in scale mode
// (PostgreSQL + Redis), the pipeline's own CPU per message with an instant model, an open-loop run with an
// 800 ms model, and a noisy-neighbour run in scale mode (one tenant at ten times the others' rate). All in one
// run, so that machine noise hits every figure alike. Everything talks to loopback only; the scale parts use a
// fresh PostgreSQL database and a fresh Redis key prefix each, dropped at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { connectRedis } from '../src/adapters/redis/connect-redis.js';
import { startFakeGraph, type FakeGraph } from '../test/helpers/fake-graph.js';
import { startFakeModel } from '../test/helpers/fake-model.js';
import { tenantFile } from '../test/helpers/switchboard.js';
import { deleteRedisKeys, TestDatabase } from '../test/helpers/test-database.js';
import { metaJson, signBody, textMessage } from '../test/helpers/webhooks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'bench-app-secret';
const DURATION_S = Number(process.env['BENCH_DURATION'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const PHONE_IDS = ['180000000000001', '180000000000002', '180000000000003'];
// Scale mode: the servers (a fresh database and key prefix per use). BENCH_SCALE=0 skips the scale parts.
const SCALE = process.env['BENCH_SCALE'] !== '0';
const DATABASE_SERVER = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// Noisy neighbour: N quiet tenants at RATE messages/s each, one noisy tenant at FACTOR × RATE, SECONDS long, the
// first WARMUP seconds' messages left out of the figures (fresh processes), a model answering in MODEL_MS.
const NOISY_QUIET_TENANTS = Number(process.env['BENCH_NOISY_TENANTS'] ?? 5);
const NOISY_RATE = Number(process.env['BENCH_NOISY_RATE'] ?? 7);
const NOISY_FACTOR = Number(process.env['BENCH_NOISY_FACTOR'] ?? 10);
const NOISY_SECONDS = Number(process.env['BENCH_NOISY_SECONDS'] ?? 15);
const NOISY_WARMUP_S = Number(process.env['BENCH_NOISY_WARMUP'] ?? 2);
const NOISY_MODEL_MS = Number(process.env['BENCH_NOISY_MODEL_MS'] ?? 300);
/**
 * Limits far above what the bench sends, so that the figures measure the pipeline, not the per-tenant limiter
 * (defaults: 600 turns a minute, 20 M tokens a day, 80 sends a second). The limiter's bookkeeping still runs.
 */
const GENEROUS_LIMITS = { turns_per_minute: 1_000_000, model_tokens_per_day: 10_000_000_000 };
const GENEROUS_SENDS_PER_SECOND = 1000;

interface Child {
  url: string;
  pid: number;
  /** Event-loop delay the server reported when it stopped (switchboard-server.ts). */
  loopDelay: { p50: string; p99: string; max: string } | null;
  stop(): Promise<void>;
}

/** Server processes still running: stopped on Ctrl-C along with the scale stores. */
const children = new Set<Child>();

async function spawnServer(script: string, env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const server: Child = {
    url: '',
    pid: child.pid!,
    loopDelay: null,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
  children.add(server);
  child.once('exit', () => children.delete(server));
  // Lines of JSON: `server.started` (url: null for `--role worker`) and, at SIGTERM, `loop.delay`.
  server.url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{"msg":"server.started"') && !line.startsWith('{"msg":"loop.delay"')) return;
      const entry = JSON.parse(line) as { msg: string; url?: string | null };
      if (entry.msg === 'server.started') resolve(entry.url ?? '');
      else server.loopDelay = entry as unknown as Child['loopDelay'];
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return server;
}

/** User + system CPU of a process in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
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

/** A bench tenant file: `tenantFile()` with limits the bench never reaches (see GENEROUS_LIMITS). */
function benchTenant(id: string, phoneNumberId: string, modelUrl: string): Record<string, unknown> {
  const file = tenantFile({ id, phoneNumberId, modelUrl, keywords: ['agent'] });
  (file['whatsapp'] as Record<string, unknown>)['max_sends_per_second'] = GENEROUS_SENDS_PER_SECOND;
  file['limits'] = GENEROUS_LIMITS;
  return file;
}

function writeTenants(dir: string, modelUrl: string): string {
  const tenantsDir = path.join(dir, 'tenants');
  mkdirSync(tenantsDir);
  PHONE_IDS.forEach((phoneNumberId, index) => {
    writeFileSync(path.join(tenantsDir, `bench_${index}.yaml`), stringify(benchTenant(`bench_${index}`, phoneNumberId, modelUrl)));
  });
  return tenantsDir;
}

/** A fresh PostgreSQL database and Redis key prefix; `drop()` removes both. */
interface ScaleStore {
  env: Record<string, string>;
  drop(): Promise<void>;
}

const scaleStores = new Set<ScaleStore>();

async function createScaleStore(): Promise<ScaleStore> {
  const database = new TestDatabase(DATABASE_SERVER);
  const prefix = `switchboard-bench-${randomBytes(6).toString('hex')}`;
  await database.create();
  const store: ScaleStore = {
    env: { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: prefix },
    async drop() {
      scaleStores.delete(store);
      await database.drop();
      const redis = await connectRedis(REDIS_URL, { connectionName: 'switchboard-bench' });
      try {
        await deleteRedisKeys(redis, prefix);
      } finally {
        await redis.quit();
      }
    },
  };
  scaleStores.add(store);
  return store;
}

/** Whether PostgreSQL and Redis answer; the reason when not. */
async function scaleServersProblem(): Promise<string | null> {
  try {
    const store = await createScaleStore();
    await store.drop();
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

interface NoisyRun {
  sent: number;
  replied: number;
  /** Time to reply of the quiet tenants' and the noisy tenant's measured messages (after the warm-up), ms. */
  quiet: number[];
  noisy: number[];
  ackMs: number[];
  /** Share of the machine's CPU (all cores) busy during the sending, any process. */
  machineBusy: number;
  /** Server CPU (api + worker processes) per message, ms. */
  serverCpuPerMessage: number;
}

/**
 * One noisy-neighbour run in scale mode: a fresh database and key prefix, one `--role api` and one `--role worker`
 * process, quiet tenants at NOISY_RATE messages/s each and, `withNoisy`, the noisy tenant at NOISY_FACTOR times
 * that; open loop (messages go out on schedule whatever the answers), a distinct user per message.
 */
async function noisyNeighbourRun(withNoisy: boolean, graph: FakeGraph, env: Record<string, string>): Promise<NoisyRun> {
  const store = await createScaleStore();
  const servers: Child[] = [];
  try {
    // The first start migrates the database; the worker finds it done.
    servers.push(await spawnServer('bench/switchboard-server.ts', { ...env, ...store.env, BENCH_ROLE: 'api' }));
    servers.push(await spawnServer('bench/switchboard-server.ts', { ...env, ...store.env, BENCH_ROLE: 'worker' }));
    const [api] = servers as [Child, Child];
    graph.reset();

    // The schedule: tenant t's i-th message at (i + t / streams) / rate seconds, so streams interleave evenly.
    const streams = [
      ...Array.from({ length: NOISY_QUIET_TENANTS }, (_, index) => ({ tenant: index, rate: NOISY_RATE })),
      ...(withNoisy ? [{ tenant: NOISY_QUIET_TENANTS, rate: NOISY_RATE * NOISY_FACTOR }] : []),
    ];
    const schedule = streams
      .flatMap(({ tenant, rate }, stream) =>
        Array.from({ length: Math.round(rate * NOISY_SECONDS) }, (_, index) => ({ tenant, atMs: ((index + stream / streams.length) * 1000) / rate })),
      )
      .sort((a, b) => a.atMs - b.atMs);

    const sentAt = new Map<string, { at: number; tenant: number; measured: boolean }>();
    const ackMs: number[] = [];
    const cpuBefore = servers.reduce((sum, server) => sum + cpuMs(server.pid), 0);
    const machineBefore = machineTicks();
    const start = performance.now();
    const inflight: Array<Promise<void>> = [];
    for (const { tenant, atMs } of schedule) {
      const wait = start + atMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { body, signature, user } = signedText(100_000 + sequence, NOISY_PHONE_ID(tenant));
      const t0 = performance.now();
      sentAt.set(`+${user}`, { at: Date.now(), tenant, measured: atMs >= NOISY_WARMUP_S * 1000 });
      inflight.push(
        fetch(`${api.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } })
          .then((response) => response.text())
          .then(() => {
            ackMs.push(performance.now() - t0);
          }),
      );
    }
    await Promise.all(inflight);
    const machineAfter = machineTicks();
    await graph.waitForSends(schedule.length, 60_000).catch(() => undefined);
    const serverCpu = servers.reduce((sum, server) => sum + cpuMs(server.pid), 0) - cpuBefore;

    const quiet: number[] = [];
    const noisy: number[] = [];
    for (const send of graph.sends) {
      const sent = sentAt.get(String(send.body['to']));
      if (!sent?.measured) continue;
      (sent.tenant === NOISY_QUIET_TENANTS ? noisy : quiet).push(send.at - sent.at);
    }
    return {
      sent: schedule.length,
      replied: graph.sends.length,
      quiet,
      noisy,
      ackMs,
      machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
      serverCpuPerMessage: serverCpu / schedule.length,
    };
  } finally {
    for (const server of servers) await server.stop();
    await store.drop();
  }
}

/** Phone number ids of the noisy-neighbour tenants: quiet_0 … quiet_{N-1}, then the noisy one (index N). */
const NOISY_PHONE_ID = (tenant: number) => `181000000000${String(tenant).padStart(3, '0')}`;

function writeNoisyTenants(dir: string, modelUrl: string): string {
  const tenantsDir = path.join(dir, 'noisy-tenants');
  mkdirSync(tenantsDir);
  for (let index = 0; index <= NOISY_QUIET_TENANTS; index++) {
    const id = index === NOISY_QUIET_TENANTS ? 'noisy' : `quiet_${index}`;
    const file = benchTenant(id, NOISY_PHONE_ID(index), modelUrl);
    // A loaded machine can keep a turn waiting: a model timeout would escalate instead of replying.
    (file['ai'] as Record<string, unknown>)['timeout'] = '60s';
    writeFileSync(path.join(tenantsDir, `${id}.yaml`), stringify(file));
  }
  return tenantsDir;
}

async function main() {
  const rows: Array<[string, string]> = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'));
  const graph = await startFakeGraph();
  const model = await startFakeModel({ reply: () => 'Thanks, we are on it.' });
  const tenantsDir = writeTenants(dir, model.url);
  const baseEnv = { TENANTS_DIR: tenantsDir, WHATSAPP_APP_SECRET: SECRET, WHATSAPP_GRAPH_URL: graph.url };

  const scaleProblem = SCALE ? await scaleServersProblem() : 'BENCH_SCALE=0';
  const ackTable: Array<[string, ClosedLoopResult | null]> = [];
  let noisyRuns: { without: NoisyRun; with: NoisyRun } | null = null;

  try {
    // 1. Webhook acknowledgements, closed loop: bare node:http vs the api role (verify, parse, store, 200), embedded
    // (SQLite) and in scale mode (PostgreSQL + Redis). Rounds alternate between the servers and the medians are
    // compared, so that a slow spell of the machine hits every side alike.
    const baseline = await spawnServer('bench/baseline-server.ts', { WHATSAPP_APP_SECRET: SECRET });
    const api = await spawnServer('bench/switchboard-server.ts', { ...baseEnv, BENCH_ROLE: 'api', DATABASE_URL: `sqlite:${path.join(dir, 'ack.db')}` });
    const ackStore = scaleProblem ? null : await createScaleStore();
    const scaleApi = ackStore ? await spawnServer('bench/switchboard-server.ts', { ...baseEnv, ...ackStore.env, BENCH_ROLE: 'api' }) : null;
    await closedLoop(baseline.url, 2); // warm-up
    await closedLoop(api.url, 2);
    if (scaleApi) await closedLoop(scaleApi.url, 2);
    const bareRounds: ClosedLoopResult[] = [];
    const ackRounds: ClosedLoopResult[] = [];
    const scaleRounds: ClosedLoopResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRounds.push(await closedLoop(baseline.url));
      ackRounds.push(await closedLoop(api.url));
      if (scaleApi) scaleRounds.push(await closedLoop(scaleApi.url));
    }
    await baseline.stop();
    await api.stop();
    await scaleApi?.stop();
    await ackStore?.drop();
    const bare = median(bareRounds);
    const ack = median(ackRounds);
    const scaleAck = scaleApi ? median(scaleRounds) : null;
    rows.push(
      [`bare node:http, ${CONNECTIONS} connections, median of ${ROUNDS}: req/s`, bare.rps.toFixed(0)],
      ['bare node:http: latency p50 / p99 (ms)', `${bare.p50} / ${bare.p99}`],
      [`switchboard webhook, ${CONNECTIONS} connections, median of ${ROUNDS}: req/s`, ack.rps.toFixed(0)],
      ['switchboard webhook: latency p50 / p99 (ms)', `${ack.p50} / ${ack.p99}`],
      ['switchboard / bare (target ≥ 70 %)', `${((ack.rps / bare.rps) * 100).toFixed(0)} %`],
      ['non-2xx or errors (both runs)', String(bare.errors + ack.errors)],
    );
    ackTable.push(['bare node:http (signature + JSON only)', bare], ['embedded: SQLite, --role api', ack], ['scale: PostgreSQL + Redis, --role api', scaleAck]);

    // 2. Pipeline CPU per message: everything (ingress, turn, outbox, send) with an instant model. A fresh process
    // spends its first thousands of messages compiling (V8's optimising compiler runs in background threads, which
    // count): those are measured as the warm-up, then the same number of other users' messages in steady state.
    const messages = Number(process.env['BENCH_MESSAGES'] ?? 3000);
    const warmup = Number(process.env['BENCH_WARMUP'] ?? 2000);
    graph.reset();
    const full = await spawnServer('bench/switchboard-server.ts', { ...baseEnv, BENCH_MODEL: 'instant', DATABASE_URL: `sqlite:${path.join(dir, 'cpu.db')}` });
    const pipeline = async (count: number, firstUser: number) => {
      const cpuBefore = cpuMs(full.pid);
      const started = performance.now();
      let next = 0;
      let refused = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < count) {
            const index = next++;
            const { body, signature } = signedText(firstUser + (index % 1000), PHONE_IDS[index % 3]!);
            const response = await fetch(`${full.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
            await response.text();
            if (response.status !== 200) refused += 1;
          }
        }),
      );
      await graph.waitForSends(count, 120_000).catch(() => undefined);
      const replies = graph.sends.length;
      graph.reset();
      return { replies, refused, cpuPerMessage: (cpuMs(full.pid) - cpuBefore) / count, perSecond: count / ((performance.now() - started) / 1000) };
    };
    const cold = warmup > 0 ? await pipeline(warmup, 50_000) : null;
    const warm = await pipeline(messages, 60_000);
    await full.stop();
    rows.push(
      [`pipeline, instant model: messages (1000 users)`, String(messages)],
      ['pipeline: replies received by the fake Graph API', String(warm.replies)],
      ['pipeline: webhooks not answered 200 (warm-up included)', String(warm.refused + (cold?.refused ?? 0))],
      ['pipeline: server CPU per message (target ≤ 1 ms)', `${warm.cpuPerMessage.toFixed(3)} ms`],
      ['pipeline: messages/s end to end', warm.perSecond.toFixed(0)],
      ...(cold ? [[`pipeline: the fresh process's first ${warmup} messages (warm-up): CPU per message`, `${cold.cpuPerMessage.toFixed(3)} ms`] as [string, string]] : []),
    );

    // 3. Open loop: 200 messages/s from many users, an 800 ms model, ack and time-to-reply. The first
    // BENCH_OPEN_WARMUP seconds at the same rate go to a fresh process's warm-up (first connections, compiling the
    // hot code): sent, answered and left out, as the noisy-neighbour runs leave out their first seconds.
    const rate = Number(process.env['BENCH_RATE'] ?? 200);
    const seconds = Number(process.env['BENCH_OPEN_SECONDS'] ?? 10);
    const openWarmup = Number(process.env['BENCH_OPEN_WARMUP'] ?? 2);
    graph.reset();
    model.setLatency(800);
    const open = await spawnServer('bench/switchboard-server.ts', { ...baseEnv, DATABASE_URL: `sqlite:${path.join(dir, 'open.db')}` });
    const openLoop = async (total: number, firstUser: number) => {
      const cpuBefore = cpuMs(open.pid);
      const sentAt = new Map<string, number>();
      const ackMs: number[] = [];
      let refused = 0;
      const openStart = performance.now();
      const inflight: Array<Promise<void>> = [];
      for (let index = 0; index < total; index++) {
        const due = openStart + (index * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const { body, signature, user } = signedText(firstUser + index, PHONE_IDS[index % 3]!);
        const t0 = performance.now();
        sentAt.set(`+${user}`, Date.now());
        inflight.push(
          fetch(`${open.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } })
            .then(async (response) => {
              await response.text();
              if (response.status !== 200) refused += 1;
            })
            .then(() => {
              ackMs.push(performance.now() - t0);
            }),
        );
      }
      await Promise.all(inflight);
      await graph.waitForSends(total, 60_000).catch(() => undefined);
      const replyMs = graph.sends.map((send) => send.at - (sentAt.get(String(send.body['to'])) ?? send.at));
      const replied = graph.sends.length;
      graph.reset();
      return { ackMs, replyMs, replied, refused, cpuPerMessage: (cpuMs(open.pid) - cpuBefore) / total };
    };
    if (openWarmup > 0) await openLoop(Math.round(rate * openWarmup), 20_000);
    const total = rate * seconds;
    const openRun = await openLoop(total, 10_000);
    await open.stop();
    rows.push(
      [`open loop: ${rate} msg/s for ${seconds} s, 800 ms model, distinct users (after ${openWarmup} s of warm-up)`, `${total} sent, ${openRun.replied} replied, ${openRun.refused} not answered 200`],
      ['open loop: ack p50 / p99 (target p99 < 25 ms)', `${percentile(openRun.ackMs, 50).toFixed(1)} / ${percentile(openRun.ackMs, 99).toFixed(1)} ms`],
      ['open loop: time to reply p50 / p99 (target p99 < 1 s)', `${percentile(openRun.replyMs, 50).toFixed(0)} / ${percentile(openRun.replyMs, 99).toFixed(0)} ms`],
      ['open loop: server CPU per message (providers over HTTP)', `${openRun.cpuPerMessage.toFixed(3)} ms`],
      ['open loop: server event-loop delay p50 / p99 / max (warm-up included)', open.loopDelay ? `${open.loopDelay.p50} / ${open.loopDelay.p99} / ${open.loopDelay.max} ms` : 'n/a'],
    );

    // 4. Noisy neighbour, scale mode (1 api + 1 worker process): the quiet tenants' time to reply without and with
    // a tenant sending NOISY_FACTOR times their rate. A fresh database, key prefix and processes for each run.
    if (!scaleProblem) {
      model.setLatency(NOISY_MODEL_MS);
      const noisyEnv = { TENANTS_DIR: writeNoisyTenants(dir, model.url), WHATSAPP_APP_SECRET: SECRET, WHATSAPP_GRAPH_URL: graph.url };
      const without = await noisyNeighbourRun(false, graph, noisyEnv);
      noisyRuns = { without, with: await noisyNeighbourRun(true, graph, noisyEnv) };
    }
  } finally {
    for (const store of [...scaleStores]) await store.drop().catch(() => undefined);
    await graph.close();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\nSwitchboard benchmark — node ${process.version}, ${cpus().length} cores\n`);
  printTable(['measure', 'value'], rows);

  const ms = (value: number) => value.toFixed(0);
  console.log(`\nWebhook acknowledgements, embedded vs scale: ${CONNECTIONS} connections, closed loop, median of ${ROUNDS} alternating rounds\n`);
  printTable(
    ['server', 'req/s', 'p50 (ms)', 'p99 (ms)', '% of bare'],
    ackTable.map(([name, result]) =>
      result
        ? [name, result.rps.toFixed(0), String(result.p50), String(result.p99), `${((result.rps / ackTable[0]![1]!.rps) * 100).toFixed(0)} %`]
        : [name, 'skipped', '', '', ''],
    ),
  );
  if (scaleProblem) console.log(`scale: skipped (${scaleProblem})`);
  const scaleErrors = ackTable[2]?.[1]?.errors;
  if (scaleErrors) console.log(`scale: non-2xx or errors: ${scaleErrors}`);

  if (noisyRuns) {
    const { without, with: withNoisy } = noisyRuns;
    const pair = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;
    console.log(
      `\nNoisy neighbour, scale mode (1 api + 1 worker process, PostgreSQL + Redis), ${NOISY_MODEL_MS} ms model, ${NOISY_SECONDS} s open loop:\n` +
        `${NOISY_QUIET_TENANTS} quiet tenants at ${NOISY_RATE} msg/s each; the noisy tenant at ${NOISY_RATE * NOISY_FACTOR} msg/s (${NOISY_FACTOR}×); ` +
        `a new user per message; the first ${NOISY_WARMUP_S} s left out\n`,
    );
    printTable(
      ['measure', 'without the noisy tenant', 'with the noisy tenant'],
      [
        ['messages sent / replied', `${without.sent} / ${without.replied}`, `${withNoisy.sent} / ${withNoisy.replied}`],
        ['quiet tenants: time to reply p50 / p99 (ms)', pair(without.quiet), pair(withNoisy.quiet)],
        ['noisy tenant: time to reply p50 / p99 (ms)', '—', pair(withNoisy.noisy)],
        ['webhook ack p50 / p99, all tenants (ms)', `${percentile(without.ackMs, 50).toFixed(1)} / ${percentile(without.ackMs, 99).toFixed(1)}`, `${percentile(withNoisy.ackMs, 50).toFixed(1)} / ${percentile(withNoisy.ackMs, 99).toFixed(1)}`],
        ['server CPU per message, api + worker (ms)', without.serverCpuPerMessage.toFixed(2), withNoisy.serverCpuPerMessage.toFixed(2)],
        [`machine CPU busy while sending (${cpus().length} cores, every process)`, `${(without.machineBusy * 100).toFixed(0)} %`, `${(withNoisy.machineBusy * 100).toFixed(0)} %`],
      ],
    );
  } else {
    console.log(`\nNoisy neighbour: skipped (${scaleProblem})`);
  }
}

function printTable(header: string[], body: string[][]): void {
  const widths = header.map((name, column) => Math.max(name.length, ...body.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of body) console.log(line(row));
}

// Ctrl-C: stop the servers and drop the fresh databases and key prefixes all the same.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...children].map((child) => child.stop()))
      .then(() => Promise.allSettled([...scaleStores].map((store) => store.drop())))
      .then(() => process.exit(130));
  });
}

await main();

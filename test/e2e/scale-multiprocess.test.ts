// Scale mode with real processes: 2 api and 2 worker processes (`serve --role api|worker`) on one PostgreSQL and
// one Redis; signed webhooks from many users of many tenants, posted to both api processes; one worker killed with
// SIGKILL halfway and restarted. Then: every message answered exactly once, order kept within each conversation,
// no model request holding another tenant's or user's text. Sizes: SCALE_TEST_MESSAGES (default 10,000),
// SCALE_TEST_TENANTS (100), SCALE_TEST_USERS (1,000).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleServers } from '../helpers/scale-servers.js';
import { connectRedis } from '../../src/adapters/redis/connect-redis.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { APP_SECRET, tenantFile } from '../helpers/switchboard.js';
import { deleteRedisKeys, TestDatabase } from '../helpers/test-database.js';
import { postWebhook, textMessage } from '../helpers/webhooks.js';

const servers = scaleServers('scale mode, several processes', ['TEST_DATABASE_URL', 'TEST_REDIS_URL']);
const databaseServer = servers?.TEST_DATABASE_URL;
const redisUrl = servers?.TEST_REDIS_URL;

// The sizes by default; smaller runs for a quick look: SCALE_TEST_MESSAGES=2000.
const MESSAGES = Number(process.env['SCALE_TEST_MESSAGES'] ?? 10_000);
const TENANTS = Number(process.env['SCALE_TEST_TENANTS'] ?? 100);
const USERS = Number(process.env['SCALE_TEST_USERS'] ?? 1000);
const PER_USER = Math.max(1, Math.round(MESSAGES / USERS));
const TOTAL = PER_USER * USERS;
const CONCURRENCY = 32;
/** Short leases so that the killed worker's turns come back within seconds (production: 30 s, stalled check 10 s). */
const LEASE_MS = 15_000;
const STALLED_INTERVAL_MS = 1000;

/** `m<tenant>.<user>.<sequence>`: what each message says, so that any text shows whose it is and in which order. */
const MARKER = /m(\d+)\.(\d+)\.(\d+)/g;

function markersIn(text: string): Array<{ tenant: number; user: number; sequence: number; marker: string }> {
  return [...text.matchAll(MARKER)].map((match) => ({ tenant: Number(match[1]), user: Number(match[2]), sequence: Number(match[3]), marker: match[0] }));
}

const tenantId = (index: number) => `mp_t${String(index).padStart(3, '0')}`;
const phoneNumberId = (index: number) => `4100000${String(index).padStart(5, '0')}`;
const userNumber = (index: number) => `1555${String(index).padStart(7, '0')}`;
const tenantOf = (user: number) => user % TENANTS;

const textContent = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('\n') : '';

if (databaseServer && redisUrl) {
  describe('scale mode, several processes', () => {
    const database = new TestDatabase(databaseServer);
    const prefix = `switchboard-test-${randomBytes(6).toString('hex')}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-multiprocess-'));
    let graph: FakeGraph;
    let model: FakeModel;
    let redis: Redis;
    let env: Record<string, string>;
    const apis: ServerProcess[] = [];
    const workers: ServerProcess[] = [];

    beforeAll(async () => {
      await database.create();
      redis = await connectRedis(redisUrl, { connectionName: 'switchboard-test' });
      graph = await startFakeGraph();
      model = await startFakeModel({ reply: (request) => `echo: ${lastUserText(request)}` });
      const tenantsDir = path.join(dir, 'tenants');
      mkdirSync(tenantsDir);
      for (let index = 0; index < TENANTS; index++) {
        const file = tenantFile({ id: tenantId(index), phoneNumberId: phoneNumberId(index), modelUrl: model.url, keywords: ['zzescalatezz'] });
        // A loaded 2-core machine can keep the fake model waiting for seconds; a timeout would escalate the conversation.
        (file['ai'] as Record<string, unknown>)['timeout'] = '60s';
        writeFileSync(path.join(tenantsDir, `${tenantId(index)}.yaml`), stringify(file));
      }
      env = {
        TENANTS_DIR: tenantsDir,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '8',
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_GRAPH_URL: graph.url,
        WORKER_LEASE_MS: String(LEASE_MS),
        JOBS_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
        LOCAL_MODEL_AUTO_PULL: 'false',
        LOG_LEVEL: 'info',
      };
      // The first start migrates the database; the others find it done.
      apis.push(await startServerProcess(env, 60_000, ['--role', 'api']));
      const started = await Promise.all([
        startServerProcess(env, 60_000, ['--role', 'api']),
        startServerProcess(env, 60_000, ['--role', 'worker']),
        startServerProcess(env, 60_000, ['--role', 'worker']),
      ]);
      apis.push(started[0]!);
      workers.push(started[1]!, started[2]!);
    }, 120_000);

    afterAll(async () => {
      await Promise.all([...apis, ...workers].map((server) => server.kill('SIGTERM')));
      await graph?.close();
      await model?.close();
      if (redis) {
        await deleteRedisKeys(redis, prefix);
        await redis.quit();
      }
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it(`answers ${TOTAL} messages of ${USERS} users of ${TENANTS} tenants exactly once, in order, with a worker killed halfway`, async () => {
      const started = Date.now();
      const answered = new Set<string>();
      let scanned = 0;
      const scanSends = () => {
        for (; scanned < graph.sends.length; scanned++) for (const { marker } of markersIn(graph.sends[scanned]!.text ?? '')) answered.add(marker);
        return answered.size;
      };

      // 1. Post: round k carries every user's k-th message; a user's next message goes only after the previous one
      //    was acknowledged (as Meta delivers one user's messages), users run 32 at a time, api processes alternate.
      const baseSeconds = Math.floor(Date.now() / 1000);
      let posted = 0;
      let ackMs = 0;
      const posting = (async () => {
        for (let sequence = 0; sequence < PER_USER; sequence++) {
          let next = 0;
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              for (let user = next++; user < USERS; user = next++) {
                const tenant = tenantOf(user);
                const body = textMessage({
                  phoneNumberId: phoneNumberId(tenant),
                  from: userNumber(user),
                  text: `m${tenant}.${user}.${sequence} ${randomBytes(3).toString('hex')}`,
                  timestamp: String(baseSeconds + sequence),
                });
                const api = apis[posted++ % apis.length]!;
                const sentAt = performance.now();
                for (let attempt = 0; ; attempt++) {
                  // Meta redelivers what did not get a 2xx; so does this poster.
                  const { status } = await postWebhook(api.url, body, { appSecret: APP_SECRET }).catch(() => ({ status: 0 }));
                  if (status === 200) break;
                  if (attempt > 20) throw new Error(`webhook refused: ${status}`);
                  await new Promise((resolve) => setTimeout(resolve, 100));
                }
                ackMs += performance.now() - sentAt;
              }
            }),
          );
        }
      })();

      // 2. Halfway through the answers, one worker dies with SIGKILL.
      while (scanSends() < TOTAL / 2) await new Promise((resolve) => setTimeout(resolve, 20));
      const killedAt = Date.now();
      const answeredAtKill = answered.size;
      await workers[0]!.kill('SIGKILL');
      // Counted once the process is gone: a send it had on the wire may still have reached the fake until then.
      const sendsBeforeKill = graph.sends.length;
      // Sends Meta accepted that the killed worker had not recorded yet: the one duplicate the design allows. The
      // live worker records its own within a moment; the dead one's stay unrecorded until its jobs come back.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const recorded = new Set(
        (await database.query<{ wa_message_id: string }>('select wa_message_id from outbox where wa_message_id is not null')).map((row) => row.wa_message_id),
      );
      const inFlightAtKill = graph.sends.slice(0, sendsBeforeKill).filter((send) => !recorded.has(send.waMessageId)).length;
      workers[0] = await startServerProcess(env, 60_000, ['--role', 'worker']);

      // 3. Everything answered.
      await posting;
      const postedIn = Date.now() - started;
      const deadline = Date.now() + Number(process.env['SCALE_TEST_WAIT_MS'] ?? 150_000);
      while (scanSends() < TOTAL) {
        if (Date.now() > deadline) {
          const rows = await database.query<Record<string, unknown>>(
            "select i.tenant_id, i.user_id, i.text, i.state, i.turn_id, i.received_at, o.state as out_state, o.attempts as out_attempts from inbound_messages i left join outbox o on o.idempotency_key = i.turn_id || ':0' where i.state <> 'processed' or o.state is distinct from 'sent'",
          );
          const jobs = await database.query<Record<string, unknown>>('select name, job_key, run_at, on_existing from jobs');
          console.log(JSON.stringify({ killedAt, rows, jobs }, null, 1));
          for (const server of [...apis, ...workers]) {
            console.log(server.logs.filter((entry) => Number(entry['level']) >= 40).slice(0, 20).map((entry) => JSON.stringify(entry)).join('\n'));
          }
          throw new Error(`only ${answered.size} of ${TOTAL} messages answered`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const answeredIn = Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 1500)); // room for a wrong second answer to show up

      // 4. Every inbound message stored once and processed by exactly one turn.
      const inbound = await database.query<{ state: string; turn_id: string | null; text: string }>('select state, turn_id, text from inbound_messages');
      expect(inbound).toHaveLength(TOTAL);
      expect(inbound.filter((row) => row.state !== 'processed' || row.turn_id === null)).toEqual([]);
      const turns = new Map<string, string[]>();
      for (const row of inbound) turns.set(row.turn_id!, [...(turns.get(row.turn_id!) ?? []), markersIn(row.text)[0]!.marker]);

      // 5. Every turn answered by exactly one accepted send (the reply echoes the turn's messages).
      const replies = await database.query<{ state: string; body: string; turn: string }>(
        "select state, body, split_part(idempotency_key, ':', 1) as turn from outbox where kind = 'reply'",
      );
      expect(replies).toHaveLength(turns.size);
      expect(replies.filter((reply) => reply.state !== 'sent')).toEqual([]);
      const sendsByText = new Map<string, number>();
      for (const send of graph.sends) sendsByText.set(send.text ?? '', (sendsByText.get(send.text ?? '') ?? 0) + 1);
      let duplicates = 0;
      for (const reply of replies) {
        const text = (JSON.parse(reply.body) as { text: { body: string } }).text.body;
        const count = sendsByText.get(text) ?? 0;
        expect(count, `sends of the reply of turn ${reply.turn}`).toBeGreaterThanOrEqual(1);
        duplicates += count - 1;
        expect(new Set(markersIn(text).map((found) => found.marker))).toEqual(new Set(turns.get(reply.turn)));
      }
      expect(graph.sends).toHaveLength(turns.size + duplicates);

      // 6. Order and isolation in what the model was sent.
      let checkedRequests = 0;
      for (const request of model.requests) {
        const system = textContent(request.body.messages.find((message) => message.role === 'system')?.content);
        const owner = /assistant of mp_t(\d+)\./.exec(system);
        expect(owner, 'the tenant named in the system prompt').not.toBeNull();
        const found = request.body.messages.filter((message) => message.role !== 'system').flatMap((message) => markersIn(textContent(message.content)));
        const userMarkers = request.body.messages.filter((message) => message.role === 'user').flatMap((message) => markersIn(textContent(message.content)));
        expect(found.length).toBeGreaterThan(0);
        const user = found[0]!.user;
        for (const marker of found) {
          expect(marker.tenant, `a message of another tenant in a request of ${tenantId(Number(owner![1]))}`).toBe(Number(owner![1]));
          expect(marker.user, 'a message of another user').toBe(user);
        }
        const sequences = userMarkers.map((marker) => marker.sequence);
        expect(sequences, `the order of user ${user}'s messages`).toEqual([...sequences].sort((a, b) => a - b));
        expect(new Set(sequences).size).toBe(sequences.length);
        checkedRequests += 1;
      }

      const throughput = (TOTAL / (answeredIn / 1000)).toFixed(0);
      console.log(
        [
          `scale multi-process: ${TOTAL} messages, ${USERS} users, ${TENANTS} tenants, 2 api + 2 worker processes`,
          `  posted in ${(postedIn / 1000).toFixed(1)} s (mean ack ${(ackMs / TOTAL).toFixed(1)} ms); all answered in ${(answeredIn / 1000).toFixed(1)} s (${throughput} messages/s)`,
          `  turns ${turns.size}, accepted sends ${graph.sends.length}, model requests ${model.requests.length} (checked ${checkedRequests})`,
          `  worker killed at ${answeredAtKill} answered (${((killedAt - started) / 1000).toFixed(1)} s); sends in flight at the kill (accepted, unrecorded): ${inFlightAtKill}`,
          `  duplicate sends: ${duplicates} (allowed: at most the in-flight ones)`,
        ].join('\n'),
      );
      expect(duplicates).toBeLessThanOrEqual(inFlightAtKill);
    }, 300_000);
  });
}

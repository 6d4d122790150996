// Scale mode end to end: the real server in this process on PostgreSQL (a database made for this file) and Redis
// (BullMQ, de-duplication, rate limits, context windows, under a key prefix of this file's own).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleServers } from '../helpers/scale-servers.js';
import { connectRedis } from '../../src/adapters/redis/connect-redis.js';
import { buildApp, type App } from '../../src/app.js';
import { readEnv } from '../../src/config/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { APP_SECRET, eventually, settle, tenantFile } from '../helpers/switchboard.js';
import { deleteRedisKeys, TestDatabase } from '../helpers/test-database.js';
import { postWebhook, textMessage } from '../helpers/webhooks.js';

const servers = scaleServers('scale mode', ['TEST_DATABASE_URL', 'TEST_REDIS_URL']);
const databaseServer = servers?.TEST_DATABASE_URL;
const redisUrl = servers?.TEST_REDIS_URL;

if (databaseServer && redisUrl) {
  describe('scale mode (PostgreSQL + Redis) end to end', () => {
    const database = new TestDatabase(databaseServer);
    const prefix = `switchboard-test-${randomBytes(6).toString('hex')}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-scale-'));
    const tenants = {
      main: { id: 'scale_main', phone: '300000000001' },
      limited: { id: 'scale_limited', phone: '300000000002' },
      throttled: { id: 'scale_throttled', phone: '300000000003' },
    };
    let graph: FakeGraph;
    let model: FakeModel;
    let redis: Redis;
    let app: App;
    let url: string;

    beforeAll(async () => {
      await database.create();
      redis = await connectRedis(redisUrl, { connectionName: 'switchboard-test' });
      graph = await startFakeGraph();
      model = await startFakeModel({ reply: (request) => `echo: ${lastUserText(request)}` });
      const tenantsDir = path.join(dir, 'tenants');
      mkdirSync(tenantsDir);
      const files = [
        tenantFile({ id: tenants.main.id, phoneNumberId: tenants.main.phone, modelUrl: model.url }),
        tenantFile({ id: tenants.limited.id, phoneNumberId: tenants.limited.phone, modelUrl: model.url, extra: { limits: { turns_per_minute: 1 } } }),
        tenantFile({ id: tenants.throttled.id, phoneNumberId: tenants.throttled.phone, modelUrl: model.url }),
      ];
      for (const file of files) writeFileSync(path.join(tenantsDir, `${String(file['id'])}.yaml`), stringify(file));
      const env = readEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        TENANTS_DIR: tenantsDir,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '4',
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_GRAPH_URL: graph.url,
        LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
      });
      // turns_per_minute counts over 2 s here instead of 60 s, so that a deferred turn runs within the test.
      app = await buildApp({ env, logger: createLogger({ level: env.LOG_LEVEL }), turnWindowMs: 2000 });
      url = (await app.start()).url!;
    }, 30_000);

    afterAll(async () => {
      await app?.stop();
      await graph?.close();
      await model?.close();
      if (redis) {
        await deleteRedisKeys(redis, prefix);
        await redis.quit();
      }
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    const post = (body: unknown) => postWebhook(url, body, { appSecret: APP_SECRET });
    const sendsTo = (user: string) => graph.sends.filter((send) => send.to === `+${user}`);

    it('answers a message once and a redelivery not at all', async () => {
      const user = '15550101001';
      const body = textMessage({ phoneNumberId: tenants.main.phone, from: user, text: 'hello scale' });
      expect((await post(body)).status).toBe(200);
      await eventually(() => sendsTo(user).length === 1, 'the reply', 10_000);
      // 1. The same webhook again, as Meta redelivers it: Redis knows the id, the database would refuse it too.
      expect((await post(body)).status).toBe(200);
      await settle(800);
      expect(sendsTo(user).map((send) => send.text)).toEqual(['echo: hello scale']);
      expect(model.requests.filter((request) => lastUserText(request) === 'hello scale')).toHaveLength(1);
      // 2. The relay left nothing behind in the SQL jobs table.
      await eventually(async () => (await database.query<{ count: string }>('select count(*) as count from jobs'))[0]!.count === '0', 'the relay to empty the jobs table');
    });

    it('remembers the conversation through the context cache', async () => {
      const user = '15550101002';
      await post(textMessage({ phoneNumberId: tenants.main.phone, from: user, text: 'first words' }));
      await eventually(() => sendsTo(user).length === 1, 'the first reply', 10_000);
      await post(textMessage({ phoneNumberId: tenants.main.phone, from: user, text: 'second words' }));
      await eventually(() => sendsTo(user).length === 2, 'the second reply', 10_000);
      const second = model.requests.find((request) => lastUserText(request) === 'second words')!;
      const texts = second.body.messages.filter((message) => message.role !== 'system').map((message) => message.content);
      expect(texts).toEqual(['first words', 'echo: first words', 'second words']);
      // The window lives in Redis, under this run's prefix.
      expect(await redis.llen(`${prefix}:context:${tenants.main.id}:${user}`)).toBe(4);
    });

    it('defers the turns of a tenant over its turns per minute and still answers them', async () => {
      const users = ['15550102001', '15550102002', '15550102003'];
      const started = Date.now();
      for (const user of users) {
        expect((await post(textMessage({ phoneNumberId: tenants.limited.phone, from: user, text: `limited ${user}` }))).status).toBe(200);
      }
      // One turn per 2-second window: the three are answered one window after another, none is dropped.
      await eventually(() => users.every((user) => sendsTo(user).length === 1), 'every limited user to be answered', 15_000);
      const answeredAt = users.map((user) => sendsTo(user)[0]!.at).sort((a, b) => a - b);
      expect(answeredAt[2]! - started).toBeGreaterThanOrEqual(2500);
      expect(answeredAt[2]! - answeredAt[0]!).toBeGreaterThanOrEqual(2500);
      await settle(300);
      for (const user of users) expect(sendsTo(user)).toHaveLength(1);
    });

    it('pauses a number that Meta answered 429 and still delivers the message once', async () => {
      const user = '15550103001';
      graph.failNext(1, { status: 429 });
      await post(textMessage({ phoneNumberId: tenants.throttled.phone, from: user, text: 'throttled hello' }));
      // 1. The first send is refused with 130429: the number is blocked in the shared rate limiter.
      await eventually(() => graph.attempts.some((attempt) => attempt.body.to === `+${user}` && attempt.status === 429), 'the 429', 10_000);
      const blockKey = `${prefix}:ratelimit:sends_per_second:block:${tenants.throttled.id}:${tenants.throttled.phone}`;
      await eventually(async () => (await redis.pttl(blockKey)) > 0, 'the number to be paused');
      // 2. After the pause the message goes out, once, without a dead letter.
      await eventually(() => sendsTo(user).length > 0, 'the delivery after the pause', 15_000);
      const sent = sendsTo(user)[0];
      const refused = graph.attempts.find((attempt) => attempt.body.to === `+${user}` && attempt.status === 429)!;
      expect(sent!.at - refused.at).toBeGreaterThanOrEqual(5000);
      expect(sent!.text).toBe('echo: throttled hello');
      await settle(300);
      expect(sendsTo(user)).toHaveLength(1);
    }, 30_000);
  });
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A PostgreSQL database of its own on the test server (TEST_DATABASE_URL): created by a test file, dropped after it. */
export class TestDatabase {
  readonly name = `switchboard_test_${randomBytes(6).toString('hex')}`;
  readonly url: string;

  constructor(private readonly serverUrl: string) {
    const url = new URL(serverUrl);
    url.pathname = `/${this.name}`;
    this.url = url.toString();
  }

  async create(): Promise<void> {
    await this.onServer(`CREATE DATABASE ${this.name}`);
  }

  async drop(): Promise<void> {
    await this.onServer(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }

  /** Runs one query on this database (a short-lived client). */
  async query<Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<Row>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  private async onServer(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }
}

/** Deletes every key under `prefix:` (a test run's Redis keys). */
export async function deleteRedisKeys(redis: import('ioredis').Redis, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) keys.push(...(batch as string[]));
  for (let start = 0; start < keys.length; start += 500) await redis.del(...keys.slice(start, start + 500));
}

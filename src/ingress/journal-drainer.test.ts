import { describe, expect, it } from 'vitest';
import { tenantSchema } from '../config/index.js';
import { createMetrics } from '../ops/index.js';
import type { TenantMessage, TenantStatus } from '../ports/inbox.js';
import type { Distribution, JournalEntry, WebhookJournal } from '../ports/webhook-journal.js';
import { silentLogger } from '../shared/logger.js';
import { buildTenant, TenantRegistry } from '../tenancy/index.js';
import { JournalDrainer } from './journal-drainer.js';

const PHONE_ID = '601000000000001';
const config = tenantSchema.parse({
  id: 'shop',
  name: 'Shop',
  language: 'en',
  timezone: 'UTC',
  whatsapp: { phone_number_id: PHONE_ID, access_token: 't' },
  ai: { provider: 'openai-compatible', model: 'm', base_url: 'http://127.0.0.1:1/v1', system_prompt: 'You help.' },
  conversation: { debounce_ms: 1500 },
});
const tenants = new TenantRegistry([buildTenant({ file: 'tenants/shop.yaml', config, unsetVariables: [] }, { appSecret: 's' }, () => null)]);

function webhook(id: string, phoneNumberId = PHONE_ID): string {
  const message = { from: '15550001', id, timestamp: '1767868200', type: 'text', text: { body: `text ${id}` } };
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'w', changes: [{ field: 'messages', value: { metadata: { phone_number_id: phoneNumberId }, messages: [message] } }] }] });
}

/** A journal in memory whose distribution fails `failures` times first; stores by message id like the inbox. */
class MemoryJournal implements WebhookJournal {
  entries: JournalEntry[] = [];
  stored = new Set<string>();
  failures = 0;
  private next = 1;

  async backlog() {
    return { entries: this.entries.length, oldestReceivedAtMs: this.entries[0]?.receivedAtMs ?? null };
  }

  async append(body: string, receivedAtMs: number): Promise<void> {
    this.entries.push({ id: this.next++, body, receivedAtMs });
  }

  async distribute(limit: number, toBatch: (entries: JournalEntry[]) => { messages: TenantMessage[]; statuses: TenantStatus[] }): Promise<Distribution> {
    const taken = this.entries.slice(0, limit);
    const { messages } = toBatch(taken);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('database is locked');
    }
    this.entries = this.entries.slice(taken.length);
    const stored = messages.filter((message) => !this.stored.has(message.waMessageId));
    for (const message of stored) this.stored.add(message.waMessageId);
    return { taken: taken.length, stored, result: { accepted: stored.length, duplicates: messages.length - stored.length, statusesApplied: 0, statusesParked: 0 } };
  }
}

function drainerFor(journal: MemoryJournal, batchSize = 256) {
  const stored: TenantMessage[] = [];
  const drainer = new JournalDrainer({ journal, tenants: () => tenants, onStored: (messages) => stored.push(...messages), log: silentLogger(), metrics: createMetrics(), pollMs: 0, batchSize });
  return { drainer, stored };
}

async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 3000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('JournalDrainer', () => {
  it('distributes what an earlier run left at start, oldest first, in passes of the batch size', async () => {
    const journal = new MemoryJournal();
    for (const id of ['wamid.1', 'wamid.2', 'wamid.3']) await journal.append(webhook(id), 1_767_868_200_000);
    const { drainer, stored } = drainerFor(journal, 2);
    drainer.start();
    await until(() => stored.length === 3);
    expect(stored.map((message) => [message.tenantId, message.waMessageId])).toEqual([
      ['shop', 'wamid.1'],
      ['shop', 'wamid.2'],
      ['shop', 'wamid.3'],
    ]);
    // The debounce counts from when the webhook was received, not from when it was distributed.
    expect(stored[0]!.turnDueAt).toBe(1_767_868_200_000 + 1500);
    await drainer.stop();
  });

  it('leaves out messages for numbers no tenant owns', async () => {
    const journal = new MemoryJournal();
    await journal.append(webhook('wamid.unknown', '999'), 0);
    await journal.append(webhook('wamid.known'), 0);
    const { drainer, stored } = drainerFor(journal);
    drainer.start();
    await until(() => journal.entries.length === 0);
    expect(stored.map((message) => message.waMessageId)).toEqual(['wamid.known']);
    await drainer.stop();
  });

  it('retries a failed pass and loses nothing', async () => {
    const journal = new MemoryJournal();
    journal.failures = 2;
    await journal.append(webhook('wamid.retried'), 0);
    const { drainer, stored } = drainerFor(journal);
    drainer.start();
    await until(() => stored.length === 1);
    expect(journal.failures).toBe(0);
    expect(journal.entries).toHaveLength(0);
    await drainer.stop();
  });

  it('distributes on each kick, and what is left when it stops', async () => {
    const journal = new MemoryJournal();
    const { drainer, stored } = drainerFor(journal);
    drainer.start();
    await journal.append(webhook('wamid.a'), 0);
    drainer.kick();
    await until(() => stored.length === 1);
    await journal.append(webhook('wamid.b'), 0);
    await drainer.stop();
    expect(stored.map((message) => message.waMessageId)).toEqual(['wamid.a', 'wamid.b']);
  });
});

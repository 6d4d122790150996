import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JournalBacklog } from '../ports/webhook-journal.js';

/** The Prometheus metrics of one app instance (its own registry, so tests can run several apps). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Read at each scrape from the webhook journal (embedded mode), when one is watched.
  let journalBacklog: (() => Promise<JournalBacklog>) | null = null;
  let backlogRead: Promise<JournalBacklog> | null = null;
  const readBacklog = () => (backlogRead ??= journalBacklog!().finally(() => (backlogRead = null)));
  new Gauge({
    name: 'switchboard_webhook_journal_entries',
    help: 'Acknowledged webhooks not yet distributed into the mailboxes',
    registers: [registry],
    async collect() {
      if (journalBacklog) this.set((await readBacklog()).entries);
    },
  });
  new Gauge({
    name: 'switchboard_webhook_journal_oldest_seconds',
    help: 'Age of the oldest acknowledged webhook not yet distributed (0 when none)',
    registers: [registry],
    async collect() {
      if (!journalBacklog) return;
      const { oldestReceivedAtMs } = await readBacklog();
      this.set(oldestReceivedAtMs === null ? 0 : Math.max(0, (Date.now() - oldestReceivedAtMs) / 1000));
    },
  });
  return {
    registry,
    /** Reports the journal's backlog at each scrape. */
    watchJournal(backlog: () => Promise<JournalBacklog>): void {
      journalBacklog = backlog;
    },
    webhookRequests: new Counter({
      name: 'switchboard_webhook_requests_total',
      help: 'POST /webhook requests by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    inboundMessages: new Counter({
      name: 'switchboard_inbound_messages_total',
      help: 'Inbound messages by tenant and outcome (accepted, duplicate)',
      labelNames: ['tenant', 'outcome'] as const,
      registers: [registry],
    }),
    unknownPhoneNumber: new Counter({
      name: 'switchboard_unknown_phone_number_total',
      help: 'Messages and statuses for a phone_number_id no tenant owns',
      registers: [registry],
    }),
    turns: new Counter({
      name: 'switchboard_turns_total',
      help: 'Conversation turns by tenant and outcome (replied, escalated, fallback, held)',
      labelNames: ['tenant', 'outcome'] as const,
      registers: [registry],
    }),
    outbound: new Counter({
      name: 'switchboard_outbound_messages_total',
      help: 'Outbound sends by tenant and outcome (sent, failed, retried)',
      labelNames: ['tenant', 'outcome'] as const,
      registers: [registry],
    }),
    modelSeconds: new Histogram({
      name: 'switchboard_model_call_seconds',
      help: 'Model call duration by tenant',
      labelNames: ['tenant'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    jobsDeadLettered: new Counter({
      name: 'switchboard_jobs_dead_lettered_total',
      help: 'Jobs moved to the dead letters, by job name',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

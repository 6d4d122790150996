import { describe, expect, it } from 'vitest';
import type { TenantActivity } from '../ports/operations-queries.js';
import { bucketStarts, computeFigures, summarizeDurations } from './compute-figures.js';

const HOUR = 60 * 60 * 1000;
const empty: TenantActivity = {
  messagesIn: [],
  messagesOut: [],
  escalations: [],
  bookings: [],
  ordersPlaced: [],
  ordersPendingReview: [],
  modelTokens: [],
  turns: [],
  leads: [],
};

describe('figures', () => {
  it('takes the median of the middle two and the 95th percentile by nearest rank', () => {
    expect(summarizeDurations([])).toEqual({ median: null, p95: null, count: 0 });
    expect(summarizeDurations([400, 100, 300, 200])).toEqual({ median: 250, p95: 400, count: 4 });
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(summarizeDurations(hundred)).toEqual({ median: 50.5, p95: 95, count: 100 });
  });

  it("cuts days at the tenant's midnight, across a DST change", () => {
    // São Paulo is UTC-3 (no DST since 2019); New York moves from UTC-5 to UTC-4 on 2026-03-08.
    const from = Date.UTC(2026, 2, 7, 12);
    expect(bucketStarts(from, from + 2 * 24 * HOUR, 'day', 'America/Sao_Paulo')).toEqual([Date.UTC(2026, 2, 7, 3), Date.UTC(2026, 2, 8, 3), Date.UTC(2026, 2, 9, 3)]);
    const newYork = bucketStarts(from, from + 2 * 24 * HOUR, 'day', 'America/New_York');
    expect(newYork).toEqual([Date.UTC(2026, 2, 7, 5), Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 9, 4)]);
    expect(bucketStarts(Date.UTC(2026, 0, 1, 10, 20), Date.UTC(2026, 0, 1, 12, 0), 'hour', 'Asia/Kolkata')).toEqual([
      Date.UTC(2026, 0, 1, 9, 30),
      Date.UTC(2026, 0, 1, 10, 30),
      Date.UTC(2026, 0, 1, 11, 30),
    ]);
  });

  it('adds slots, turns and complete leads into the buckets they fall in', () => {
    const from = Date.UTC(2026, 0, 1, 0);
    const figures = computeFigures(
      {
        ...empty,
        messagesIn: [
          { slot: from, count: 2 },
          { slot: from + HOUR / 4, count: 1 },
          { slot: from + 2 * HOUR, count: 5 },
        ],
        modelTokens: [{ slot: from + HOUR, count: 300 }],
        turns: [
          { turnId: 'a', firstInboundAt: from + 1000, firstReplySentAt: from + 3000 },
          { turnId: 'b', firstInboundAt: from + 2 * HOUR, firstReplySentAt: from + 2 * HOUR + 10_000 },
          { turnId: 'c', firstInboundAt: from + 2 * HOUR, firstReplySentAt: null },
        ],
        leads: [
          { userId: 'u1', fields: { name: 'Ana', budget: 1 }, updatedAt: from + 10 },
          { userId: 'u2', fields: { name: 'Bo' }, updatedAt: from + 10 },
        ],
      },
      { tenantId: 't', from, to: from + 3 * HOUR, bucket: 'hour', timezone: 'UTC', isComplete: (fields) => 'budget' in fields },
    );
    expect(figures.series.map((bucket) => [bucket.start, bucket.messagesIn, bucket.turns, bucket.modelTokens, bucket.leads])).toEqual([
      [from, 3, 1, 0, 1],
      [from + HOUR, 0, 0, 300, 0],
      [from + 2 * HOUR, 5, 2, 0, 0],
    ]);
    expect(figures.series[2]!.replyTimeMs).toEqual({ median: 10_000, p95: 10_000, count: 1 });
    expect(figures.totals).toMatchObject({ messagesIn: 8, turns: 3, modelTokens: 300, leads: 1, replyTimeMs: { median: 6000, p95: 10_000, count: 2 } });
  });
});

import { DateTime } from 'luxon';
import type { SlotCount, TenantActivity } from '../ports/operations-queries.js';

export type FigureBucket = 'hour' | 'day';

export interface Durations {
  median: number | null;
  p95: number | null;
  count: number;
}

export interface FigureValues {
  messagesIn: number;
  messagesOut: number;
  turns: number;
  escalations: number;
  leads: number;
  bookings: number;
  ordersPlaced: number;
  ordersPendingReview: number;
  modelTokens: number;
  replyTimeMs: Durations;
}

export interface Figures {
  tenantId: string;
  from: number;
  to: number;
  bucket: FigureBucket;
  timezone: string;
  totals: FigureValues;
  series: Array<{ start: number } & FigureValues>;
}

/** The most buckets one answer holds: a month of hours, a year and a bit of days. */
export const MAX_BUCKETS: Record<FigureBucket, number> = { hour: 24 * 31 + 1, day: 400 };

/** The starts of the tenant-local hours or days covering [from, to): the first may start before `from`. */
export function bucketStarts(from: number, to: number, bucket: FigureBucket, timezone: string): number[] {
  const starts: number[] = [];
  let cursor = DateTime.fromMillis(from, { zone: timezone }).startOf(bucket);
  while (cursor.toMillis() < to) {
    starts.push(cursor.toMillis());
    cursor = cursor.plus(bucket === 'hour' ? { hours: 1 } : { days: 1 });
    if (starts.length > MAX_BUCKETS[bucket]) break;
  }
  return starts;
}

/** Median (the mean of the middle two for an even count) and 95th percentile (nearest rank) of durations. */
export function summarizeDurations(values: number[]): Durations {
  if (values.length === 0) return { median: null, p95: null, count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
  return { median, p95, count: sorted.length };
}

/**
 * A tenant's figures for a window: totals and a series per tenant-local hour or day, from the activity
 * the records hold (counts per 15-minute slot, turns, leads). `isComplete` says whether a lead profile
 * has every field the tenant requires.
 */
export function computeFigures(
  activity: TenantActivity,
  options: { tenantId: string; from: number; to: number; bucket: FigureBucket; timezone: string; isComplete: (fields: Record<string, unknown>) => boolean },
): Figures {
  const starts = bucketStarts(options.from, options.to, options.bucket, options.timezone);
  const indexOf = (at: number): number => {
    // The last bucket starting at or before `at` (binary search: starts are sorted).
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (starts[middle]! <= at) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const counters = ['messagesIn', 'messagesOut', 'turns', 'escalations', 'leads', 'bookings', 'ordersPlaced', 'ordersPendingReview', 'modelTokens'] as const;
  type Counter = (typeof counters)[number];
  const buckets = starts.map(() => ({ counts: Object.fromEntries(counters.map((name) => [name, 0])) as Record<Counter, number>, replyTimes: [] as number[] }));
  const add = (name: Counter, slots: SlotCount[]) => {
    for (const { slot, count } of slots) buckets[indexOf(slot)]!.counts[name] += count;
  };
  add('messagesIn', activity.messagesIn);
  add('messagesOut', activity.messagesOut);
  add('escalations', activity.escalations);
  add('bookings', activity.bookings);
  add('ordersPlaced', activity.ordersPlaced);
  add('ordersPendingReview', activity.ordersPendingReview);
  add('modelTokens', activity.modelTokens);
  for (const turn of activity.turns) {
    const bucket = buckets[indexOf(turn.firstInboundAt)]!;
    bucket.counts.turns += 1;
    if (turn.firstReplySentAt !== null) bucket.replyTimes.push(Math.max(0, turn.firstReplySentAt - turn.firstInboundAt));
  }
  for (const lead of activity.leads) {
    if (options.isComplete(lead.fields)) buckets[indexOf(lead.updatedAt)]!.counts.leads += 1;
  }

  const series = buckets.map((bucket, index) => ({ start: starts[index]!, ...bucket.counts, replyTimeMs: summarizeDurations(bucket.replyTimes) }));
  const totals = Object.fromEntries(counters.map((name) => [name, buckets.reduce((sum, bucket) => sum + bucket.counts[name], 0)])) as Record<Counter, number>;
  return {
    tenantId: options.tenantId,
    from: options.from,
    to: options.to,
    bucket: options.bucket,
    timezone: options.timezone,
    totals: { ...totals, replyTimeMs: summarizeDurations(buckets.flatMap((bucket) => bucket.replyTimes)) },
    series,
  };
}

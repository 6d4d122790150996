import { describe, expect, it } from 'vitest';
import type { RateCapacity, RateLimiter } from '../../src/ports/rate-limiter.js';
import { eventually } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

const PER_MINUTE = (points: number): RateCapacity => ({ points, durationMs: 60_000 });

/**
 * The guarantees of the RateLimiter port (src/ports/rate-limiter.ts), for every adapter. Nothing here
 * depends on timing: counts, retryAfter bounds, and polling where a window or a block must end.
 */
export function rateLimiterContract(adapterName: string, createLimiter: () => Promise<RateLimiter>) {
  describe(`${adapterName}: RateLimiter contract`, () => {
    it('allows the capacity in a window, then refuses with a retry time within the window', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const capacity = PER_MINUTE(3);
      for (let turn = 0; turn < 3; turn += 1) {
        expect(await limiter.consume(tenantId, 'turns_per_minute', { capacity })).toEqual({ allowed: true, retryAfterMs: 0 });
      }
      const refused = await limiter.consume(tenantId, 'turns_per_minute', { capacity });
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('takes nothing on a refusal: a request is allowed when it fits in what is left', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const capacity = PER_MINUTE(5);
      expect((await limiter.consume(tenantId, 'turns_per_minute', { points: 3, capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantId, 'turns_per_minute', { points: 3, capacity })).allowed).toBe(false);
      expect((await limiter.consume(tenantId, 'turns_per_minute', { points: 3, capacity })).allowed).toBe(false);
      expect((await limiter.consume(tenantId, 'turns_per_minute', { points: 2, capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantId, 'turns_per_minute', { points: 1, capacity })).allowed).toBe(false);
    });

    it('never allows more than the capacity to concurrent consumers', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const phoneNumberId = uniqueId('phone');
      const decisions = await Promise.all(
        Array.from({ length: 60 }, () =>
          limiter.consume(tenantId, 'sends_per_second', { subject: phoneNumberId, capacity: PER_MINUTE(10) }),
        ),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
    });

    it('counts each tenant, limit and subject on its own', async () => {
      const limiter = await createLimiter();
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const capacity = PER_MINUTE(1);
      // 1. Tenant A uses up its turns.
      expect((await limiter.consume(tenantA, 'turns_per_minute', { capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantA, 'turns_per_minute', { capacity })).allowed).toBe(false);
      // 2. Other tenants, other limits and other subjects of tenant A are untouched.
      expect((await limiter.consume(tenantB, 'turns_per_minute', { capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantA, 'sends_per_second', { capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantA, 'turns_per_minute', { subject: 'phone-1', capacity })).allowed).toBe(true);
      // 3. Subject ids are per tenant; ids holding colons do not meet.
      expect((await limiter.consume(tenantB, 'sends_per_second', { subject: 'phone-1', capacity })).allowed).toBe(true);
      expect((await limiter.consume(`${tenantA}:x`, 'sends_per_second', { subject: 'y', capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantA, 'sends_per_second', { subject: 'x:y', capacity })).allowed).toBe(true);
    });

    it('applies the capacity each call names, so tenants can have their own', async () => {
      const limiter = await createLimiter();
      const small = uniqueId('tenant-small');
      const large = uniqueId('tenant-large');
      const allowedOf = async (tenantId: string, points: number) => {
        let allowed = 0;
        for (let call = 0; call < 6; call += 1) {
          if ((await limiter.consume(tenantId, 'turns_per_minute', { capacity: PER_MINUTE(points) })).allowed) allowed += 1;
        }
        return allowed;
      };
      expect(await allowedOf(small, 2)).toBe(2);
      expect(await allowedOf(large, 5)).toBe(5);
    });

    it('allows again once the window is over', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const capacity: RateCapacity = { points: 2, durationMs: 1000 };
      expect((await limiter.consume(tenantId, 'sends_per_second', { capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantId, 'sends_per_second', { capacity })).allowed).toBe(true);
      const refused = await limiter.consume(tenantId, 'sends_per_second', { capacity });
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      await eventually(async () => (await limiter.consume(tenantId, 'sends_per_second', { capacity })).allowed, 'a new window');
    });

    it('peeks without taking anything', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const capacity = PER_MINUTE(2);
      for (let look = 0; look < 5; look += 1) {
        expect(await limiter.peek(tenantId, 'turns_per_minute', { capacity })).toEqual({ allowed: true, retryAfterMs: 0 });
      }
      expect((await limiter.consume(tenantId, 'turns_per_minute', { capacity })).allowed).toBe(true);
      expect((await limiter.peek(tenantId, 'turns_per_minute', { points: 2, capacity })).allowed).toBe(false);
      expect((await limiter.peek(tenantId, 'turns_per_minute', { capacity })).allowed).toBe(true);
      expect((await limiter.consume(tenantId, 'turns_per_minute', { capacity })).allowed).toBe(true);
      const refused = await limiter.peek(tenantId, 'turns_per_minute', { capacity });
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('records spent points past the capacity and refuses until the window ends', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const capacity: RateCapacity = { points: 1000, durationMs: 86_400_000 };
      // 1. A model call spent 600 tokens, then another 700: over the day's 1000, and recorded all the same.
      await limiter.record(tenantId, 'tokens_per_day', { points: 0, capacity }); // a call that reported no usage
      await limiter.record(tenantId, 'tokens_per_day', { points: 600, capacity });
      expect((await limiter.peek(tenantId, 'tokens_per_day', { capacity })).allowed).toBe(true);
      await limiter.record(tenantId, 'tokens_per_day', { points: 700, capacity });
      // 2. The next turn's check is refused until the day's window ends.
      const refused = await limiter.peek(tenantId, 'tokens_per_day', { capacity });
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(86_400_000);
      expect((await limiter.consume(tenantId, 'tokens_per_day', { points: 1, capacity })).allowed).toBe(false);
      // 3. Another tenant's day is its own.
      expect((await limiter.peek(uniqueId('tenant'), 'tokens_per_day', { capacity })).allowed).toBe(true);
    });

    it('blocks a penalized subject for a while, whatever is left of its capacity', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      const phoneNumberId = uniqueId('phone');
      const capacity: RateCapacity = { points: 80, durationMs: 1000 };
      const send = () => limiter.consume(tenantId, 'sends_per_second', { subject: phoneNumberId, capacity });
      expect((await send()).allowed).toBe(true);
      // 1. WhatsApp answered 429: the number is blocked.
      await limiter.penalize(tenantId, 'sends_per_second', { subject: phoneNumberId, blockMs: 1000 });
      const refused = await send();
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      expect((await limiter.peek(tenantId, 'sends_per_second', { subject: phoneNumberId, capacity })).allowed).toBe(false);
      // 2. The tenant's other number and other tenants' numbers are not.
      expect((await limiter.consume(tenantId, 'sends_per_second', { subject: uniqueId('phone'), capacity })).allowed).toBe(true);
      expect((await limiter.consume(uniqueId('tenant'), 'sends_per_second', { subject: phoneNumberId, capacity })).allowed).toBe(true);
      // 3. The block ends by itself.
      await eventually(async () => (await send()).allowed, 'the block to end');
    });

    it('never shortens a block with a later, shorter one', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      await limiter.penalize(tenantId, 'sends_per_second', { blockMs: 30_000 });
      await limiter.penalize(tenantId, 'sends_per_second', { blockMs: 1000 });
      const refused = await limiter.consume(tenantId, 'sends_per_second', { capacity: { points: 80, durationMs: 1000 } });
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(20_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(30_000);
    });

    it('refuses requests no window could allow', async () => {
      const limiter = await createLimiter();
      const tenantId = uniqueId('tenant');
      await expect(limiter.consume(tenantId, 'turns_per_minute', { points: 6, capacity: PER_MINUTE(5) })).rejects.toThrow(RangeError);
      await expect(limiter.consume(tenantId, 'turns_per_minute', { points: 1.5, capacity: PER_MINUTE(5) })).rejects.toThrow(RangeError);
      await expect(limiter.consume(tenantId, 'turns_per_minute', { capacity: { points: 0, durationMs: 1000 } })).rejects.toThrow(RangeError);
      await expect(limiter.penalize(tenantId, 'sends_per_second', { blockMs: 0 })).rejects.toThrow(RangeError);
    });
  });
}

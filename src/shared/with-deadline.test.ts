import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from './with-deadline.js';

describe('withDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts the signal with a TimeoutError when the work outlasts the deadline', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const running = withDeadline(50, (signal) => {
      seen = signal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    });
    const outcome = expect(running).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(50);
    await outcome;
    expect(seen?.aborted).toBe(true);
  });

  it('stops the clock once the work settles', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const result = await withDeadline(50, async (signal) => {
      seen = signal;
      return 'done';
    });
    expect(result).toBe('done');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(seen?.aborted).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { SequencePool } from './sequence-pool.js';

describe('SequencePool', () => {
  it('lends free items at once and queues the rest first come, first served', async () => {
    const pool = new SequencePool(['a', 'b']);
    const granted: string[] = [];
    const first = await pool.acquire();
    const second = await pool.acquire();
    // 1. Both items are out: three more requests wait in line, in this order.
    const waiting = ['w1', 'w2', 'w3'].map((name) => pool.acquire().then((item) => granted.push(`${name}:${item}`)));
    expect(pool.queued).toBe(3);
    // 2. Each release goes to the longest waiter, never to whoever asks next.
    pool.release(first);
    const lateComer = pool.acquire().then((item) => granted.push(`late:${item}`));
    pool.release(second);
    await Promise.resolve();
    expect(granted).toEqual([`w1:${first}`, `w2:${second}`]);
    pool.release(first);
    pool.release(second);
    await Promise.all([...waiting, lateComer]);
    expect(granted).toEqual([`w1:${first}`, `w2:${second}`, `w3:${first}`, `late:${second}`]);
    expect(pool.queued).toBe(0);
  });

  it('takes a waiter whose signal aborts out of the line', async () => {
    const pool = new SequencePool(['only']);
    const held = await pool.acquire();
    const controller = new AbortController();
    const impatient = pool.acquire(controller.signal);
    const patient = pool.acquire();
    controller.abort(new Error('deadline'));
    await expect(impatient).rejects.toThrow('deadline');
    expect(pool.queued).toBe(1);
    pool.release(held);
    await expect(patient).resolves.toBe('only');
    await expect(pool.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('prefers a matching free item, else the most recently released one', async () => {
    const pool = new SequencePool(['a', 'b', 'c']);
    expect(await pool.acquire(undefined, (item) => item === 'a')).toBe('a');
    expect(await pool.acquire()).toBe('c');
    pool.release('c');
    pool.release('a');
    expect(await pool.acquire()).toBe('a');
    expect(pool.available).toBe(2);
  });
});

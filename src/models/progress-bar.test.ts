import { describe, expect, it } from 'vitest';
import { createProgressBar } from './progress-bar.js';

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => void writes.push(text) };
}

describe('createProgressBar', () => {
  it('redraws one line in place on a terminal, at most five times a second', () => {
    let now = 0;
    const out = output(true);
    const bar = createProgressBar({ label: 'model.gguf', total: 100_000_000, output: out, now: () => now });
    now = 1000;
    bar.update(25_000_000);
    now = 1100;
    bar.update(30_000_000); // within 200 ms of the last draw: skipped
    now = 2000;
    bar.update(50_000_000);
    bar.finish();
    expect(out.writes).toEqual([
      '\rmodel.gguf [████████░░░░░░░░░░░░░░░░░░░░░░] 25% 25/100 MB 25.0 MB/s 3s left\u001b[K',
      '\rmodel.gguf [███████████████░░░░░░░░░░░░░░░] 50% 50/100 MB 25.0 MB/s 2s left\u001b[K',
      '\rmodel.gguf [███████████████░░░░░░░░░░░░░░░] 50% 50/100 MB 25.0 MB/s 2s left\u001b[K\n',
    ]);
  });

  it('prints a line per 10 % into a log file', () => {
    let now = 0;
    const out = output(false);
    const bar = createProgressBar({ label: 'model.gguf', total: 1000, output: out, now: () => now });
    for (let received = 0; received <= 1000; received += 50) {
      now += 1000;
      bar.update(received);
    }
    bar.finish();
    expect(out.writes).toHaveLength(11);
    expect(out.writes.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(out.writes.at(-1)).toMatch(/ 100% /);
  });
});

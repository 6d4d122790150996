/** Where a progress bar draws: stderr by default, anything with `write` (and `isTTY`) in tests. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBar {
  /** `received` bytes so far, out of the total given at creation. */
  update(received: number): void;
  /** Ends the bar's line. */
  finish(): void;
}

const WIDTH = 30;
const REDRAW_MS = 200;

/**
 * A download bar on one line of stderr: `label [████░░░░] 41% 456/1066 MB 9.8 MB/s 1m02s left`.
 * On a terminal it redraws in place (at most five times a second); in a log file or CI it prints
 * one line per 10%, so that logs stay readable.
 */
export function createProgressBar(options: { label: string; total: number; startAt?: number; output?: ProgressOutput; now?: () => number }): ProgressBar {
  const output = options.output ?? process.stderr;
  const now = options.now ?? Date.now;
  const interactive = output.isTTY === true;
  const started = now();
  const startAt = options.startAt ?? 0;
  let lastDraw = 0;
  let lastDecile = -1;
  let last = startAt;

  const line = (received: number) => {
    const fraction = options.total > 0 ? Math.min(1, received / options.total) : 0;
    const filled = Math.round(fraction * WIDTH);
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const rate = (received - startAt) / seconds;
    const left = rate > 0 ? (options.total - received) / rate : Infinity;
    return (
      `${options.label} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${Math.floor(fraction * 100)}% ` +
      `${megabytes(received)}/${megabytes(options.total)} MB ${(rate / 1_000_000).toFixed(1)} MB/s ${formatSeconds(left)} left`
    );
  };

  return {
    update(received) {
      last = received;
      if (interactive) {
        if (now() - lastDraw < REDRAW_MS) return;
        lastDraw = now();
        output.write(`\r${line(received)}\u001b[K`);
        return;
      }
      const decile = options.total > 0 ? Math.floor((received / options.total) * 10) : 0;
      if (decile > lastDecile) {
        lastDecile = decile;
        output.write(`${line(received)}\n`);
      }
    },
    finish() {
      if (interactive) output.write(`\r${line(last)}\u001b[K\n`);
      else if (lastDecile < 10) output.write(`${line(last)}\n`);
    },
  };
}

function megabytes(bytes: number): string {
  return String(Math.round(bytes / 1_000_000));
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const whole = Math.round(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/**
 * Exponential back-off with full jitter: attempt 1 waits up to `baseMs`, each next attempt up to
 * twice as long, capped; `minMs` honours a delay the failure itself asked for (131056: ≥ 6 s).
 */
export function backoffDelay(attempt: number, options: { baseMs?: number; capMs?: number; minMs?: number; random?: () => number } = {}): number {
  const base = options.baseMs ?? 1000;
  const cap = options.capMs ?? 5 * 60_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + ((options.random ?? Math.random)() * ceiling) / 2);
  return Math.max(options.minMs ?? 0, jittered);
}

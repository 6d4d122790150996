/**
 * Runs `work` with a signal that aborts after `ms` milliseconds, with the reason `AbortSignal.timeout` gives (a
 * `TimeoutError` DOMException), and stops the clock when `work` settles. `AbortSignal.timeout` cannot be
 * cancelled: each turn left a timer behind that later built an exception and an abort event for a finished turn.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Unref'd, as AbortSignal.timeout's: a pending deadline does not keep the process alive.
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms).unref();
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A fixed set of items (a model context's sequences) lent out one at a time, first come first served:
 * a released item goes straight to the longest waiter, so a steady stream of new requests can never
 * overtake one already in line. A waiter whose signal aborts leaves the line and rejects with the reason.
 *
 * Among free items, `prefer` picks one (a sequence whose cache already holds this tenant's prompt),
 * else the most recently released one is taken (its cache is the warmest).
 */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiting: Array<{ grant(item: T): void }> = [];

  constructor(items: readonly T[]) {
    this.free = [...items];
  }

  /** Requests waiting for an item, in arrival order. */
  get queued(): number {
    return this.waiting.length;
  }

  get available(): number {
    return this.free.length;
  }

  acquire(signal?: AbortSignal, prefer?: (item: T) => boolean): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.waiting.length === 0 && this.free.length > 0) {
      let index = this.free.length - 1;
      if (prefer) {
        for (let i = this.free.length - 1; i >= 0; i--) {
          if (prefer(this.free[i]!)) {
            index = i;
            break;
          }
        }
      }
      const [item] = this.free.splice(index, 1);
      return Promise.resolve(item!);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(abortReason(signal!));
      };
      const waiter = {
        grant: (granted: T) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(item: T): void {
    const next = this.waiting.shift();
    if (next) next.grant(item);
    else this.free.push(item);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

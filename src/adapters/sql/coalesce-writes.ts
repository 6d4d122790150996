import type { Transaction } from 'kysely';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * One unit of the group commit for all the calls made while it waits: `write` receives their items, in call order,
 * inside the batcher's transaction and returns one result per item. Every call settles after the commit, with its
 * own result, or all of them with the error. A burst of webhooks then pays for one multi-row statement, not one each.
 */
export function coalesceWrites<T, R>(batcher: WriteBatcher, write: (trx: Transaction<Tables>, items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let queue: Array<Waiting<T, R>> = [];
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (queue.length > 1) return; // the unit already submitted takes this one too
      let taken: Array<Waiting<T, R>> = [];
      batcher
        .run(async (trx) => {
          // Runs at commit time: every call made meanwhile is in the queue by now.
          taken = queue;
          queue = [];
          return write(trx, taken.map((waiting) => waiting.item));
        })
        .then(
          (results) => taken.forEach((waiting, index) => waiting.resolve(results[index]!)),
          (error: unknown) => taken.forEach((waiting) => waiting.reject(error)),
        );
    });
}

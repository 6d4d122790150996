import { randomUUID } from 'node:crypto';

/** A new random id with a readable prefix: `turn_6f1c…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

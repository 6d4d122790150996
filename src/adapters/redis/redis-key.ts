/**
 * A Redis key `<prefix>:<kind>:<part>:<part>...`. Each part has `%` and `:` escaped, so ids holding a
 * colon can never make two different (tenant, id) pairs share a key.
 */
export function redisKey(prefix: string, kind: string, ...parts: string[]): string {
  return [prefix, kind, ...parts.map(escapeKeyPart)].join(':');
}

/** `%` → `%25`, `:` → `%3A`; everything else as is, so ordinary ids stay readable in `redis-cli`. */
export function escapeKeyPart(part: string): string {
  return part.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** The prefix of every key when none is configured. */
export const DEFAULT_REDIS_KEY_PREFIX = 'switchboard';

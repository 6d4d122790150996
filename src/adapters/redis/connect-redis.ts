import { Redis } from 'ioredis';
import { SwitchboardError } from '../../shared/errors.js';

export interface ConnectRedisOptions {
  /**
   * True for connections handed to BullMQ, which needs `maxRetriesPerRequest: null` (its blocking
   * commands wait for Redis to come back). Default false: commands give up after a few reconnection
   * attempts, so a turn or a webhook fails (and is retried by its job) instead of hanging on a dead Redis.
   */
  forQueue?: boolean;
  /** Shown in `CLIENT LIST`, e.g. `switchboard:api`. */
  connectionName?: string;
  /** How long start-up waits for Redis before failing, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Told about connection errors after start-up (ioredis keeps reconnecting); log them as a warning.
   * Without it ioredis prints each one to stderr itself.
   */
  onError?: (error: Error) => void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Retries of one command across reconnections before it fails (non-queue connections). */
const COMMAND_RETRIES = 2;

/**
 * Opens one ioredis connection to `url` (`redis://` or `rediss://`) and resolves once it is ready.
 * Fails fast with REDIS_UNAVAILABLE, naming host:port but never the password, when Redis cannot be
 * reached or refuses the login at start-up. Once connected, ioredis reconnects by itself.
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  const { address, tls } = describeRedisUrl(url);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const redis = new Redis(url, {
    lazyConnect: false,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: options.forQueue ? null : COMMAND_RETRIES,
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    ...(tls ? { tls: {} } : {}),
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (cause: unknown) => {
      cleanUp();
      redis.on('error', () => {}); // late errors of the abandoned connection: already reported below
      redis.disconnect();
      const reason = cause instanceof Error ? cause.message : String(cause);
      reject(
        new SwitchboardError({
          code: 'REDIS_UNAVAILABLE',
          message:
            `Redis at ${address} could not be reached (${reason}); check that the server runs and accepts ` +
            `connections from this host, and the host, port and password in REDIS_URL`,
          details: { address },
          cause,
        }),
      );
    };
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => {
      cleanUp();
      resolve();
    };
    const onError = (error: unknown) => fail(error);
    const cleanUp = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
  if (options.onError) redis.on('error', options.onError);
  return redis;
}

/** `host:port` of a Redis URL (the password is left out), or REDIS_UNAVAILABLE when it is not one. */
function describeRedisUrl(url: string): { address: string; tls: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    // The URL itself is not repeated: it may hold a password.
    throw new SwitchboardError({
      code: 'REDIS_UNAVAILABLE',
      message: 'REDIS_URL is not a Redis URL; write redis://[:password@]host:6379[/db] (rediss:// for TLS)',
    });
  }
  return { address: `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`, tls: parsed.protocol === 'rediss:' };
}

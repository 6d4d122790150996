import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Creates the root logger. Redaction is the safety net, not the plan: code never puts tokens,
 * secrets or message text into log fields in the first place.
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'switchboard' },
      redact: {
        paths: [
          '*.access_token', '*.accessToken', '*.app_secret', '*.appSecret', '*.api_key', '*.apiKey',
          'headers.authorization', '*.headers.authorization', 'authorization', 'token', 'text', 'body',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** A logger that drops everything (tests and benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

import { SwitchboardError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Pattern for durations written in tenant files: `1500ms`, `30s`, `10m`, `2h`, `30d`. */
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** Parses `30d`, `2h`, `90s`, `1500ms` into milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) {
    throw new SwitchboardError({
      code: 'DURATION_INVALID',
      message: `"${text}" is not a duration; write a whole number and a unit: 1500ms, 30s, 10m, 2h or 30d`,
    });
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

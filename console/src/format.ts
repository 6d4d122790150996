// How the console writes times, amounts and phone numbers: the browser's locale, nothing sent to a server.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** `14:05` today, `Nov 24, 14:05` otherwise. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const date = new Date(ms);
  const today = new Date();
  return date.toDateString() === today.toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

/** `3 min ago`, `in 2 hr`. */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '—';
  const seconds = Math.round((ms - now) / 1000);
  const steps: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 365],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return relativeFormat.format(value, unit);
    value = Math.round(value / size);
  }
  return relativeFormat.format(value, 'year');
}

/** Integer minor units to a local amount: `499999, 'USD'` → `$4,999.99`. */
export function formatMoney(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 10_000 ? compactFormat.format(value) : value.toLocaleString();
}

/** `1234` ms → `1.2 s`; `850` → `850 ms`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** WhatsApp user ids are bare digits: `+15550100001`. Business-scoped ids are shown as they are. */
export function formatUser(userId: string): string {
  return /^\d{6,}$/.test(userId) ? `+${userId}` : userId;
}

/** Why a conversation changed hands, in words: `keyword:agent` → `said “agent”`, `taken_over_by_admin` → `taken over by admin`. */
export function formatReason(reason: string | null | undefined): string {
  if (!reason) return '';
  if (reason.startsWith('keyword:')) return `said “${reason.slice('keyword:'.length)}”`;
  if (reason === 'model_failure') return 'the model failed';
  if (reason === 'handoff') return 'the assistant handed over';
  return reason.replaceAll('_', ' ');
}

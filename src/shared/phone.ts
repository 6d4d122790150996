/** Masks a phone number or user id for logs: `+55•••••9999`; keeps the country prefix and last 4 digits. */
export function maskPhone(value: string | undefined | null): string {
  if (!value) return '';
  const digits = value.replace(/[^\dA-Za-z.]/g, '');
  if (digits.length <= 6) return '•'.repeat(digits.length);
  const head = digits.slice(0, 2);
  const tail = digits.slice(-4);
  return `+${head}${'•'.repeat(Math.max(1, digits.length - 6))}${tail}`;
}

/** WhatsApp sends numbers as bare digits; Meta wants `+` and the country code on send. */
export function toE164(digits: string): string {
  const trimmed = digits.trim();
  return trimmed.startsWith('+') ? trimmed : `+${trimmed.replace(/[^\d]/g, '')}`;
}

/** Digits only: the form user ids are stored under (`+55 11 9999-9999` → `551199999999`). */
export function phoneDigits(value: string): string {
  return value.replace(/[^\d]/g, '');
}

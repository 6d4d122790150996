import { createHmac } from 'node:crypto';

/** The business number as Meta shows it in `metadata.display_phone_number`: digits, no `+`. */
export function displayNumberOf(phoneNumberId: string, configured: string | undefined): string {
  const digits = configured?.replace(/\D/g, '') ?? '';
  return digits !== '' ? digits : `1555${phoneNumberId.replace(/\D/g, '').slice(-7).padStart(7, '0')}`;
}

/** A webhook body as Meta POSTs it: one entry, one `messages` change for the business number. */
export function webhookEnvelope(business: { phoneNumberId: string; displayNumber: string }, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        // The WABA id: any digits; Switchboard routes on phone_number_id, never on this.
        id: `9${business.phoneNumberId.replace(/\D/g, '').slice(-14).padStart(14, '0')}`,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: business.displayNumber, phone_number_id: business.phoneNumberId },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/**
 * Serialises like Meta's raw webhook bodies: compact, non-ASCII as `\uXXXX` (astral characters as surrogate pairs)
 * and `/` as `\/`; so the signature is checked over bytes a re-serialised body would not reproduce.
 */
export function metaJson(value: unknown): string {
  const json = JSON.stringify(value);
  // `/` and non-ASCII only occur inside JSON strings, so a global replace is safe.
  return json.replace(/[\u0080-\uffff]|\//g, (character) => (character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** The `X-Hub-Signature-256` value: `sha256=` + the hex HMAC-SHA256 of the raw body under the app secret. */
export function signWebhook(raw: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

/** Unix seconds as a string, as Meta writes `timestamp`. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

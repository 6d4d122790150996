// Builders for WhatsApp webhook bodies, Meta-style serialisation and signing, and a signed POST helper.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `sha256=<lowercase hex HMAC-SHA256 of the raw body>`, the `X-Hub-Signature-256` header value. */
export function signBody(raw: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

/**
 * Serialises like Meta's raw webhook bodies: compact, non-ASCII as lowercase `\uXXXX` (astral characters as
 * surrogate pairs) and `/` as `\/`. Signing these bytes catches code that hashes a re-serialised body.
 */
export function metaJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error('metaJson: value is not serialisable to JSON');
  // JSON.stringify leaves `/` and non-ASCII literal, and both only occur inside strings, so a global replace is safe.
  return json.replace(/[\u0080-\uffff]|\//g, (character) =>
    character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A unique inbound message id in the `wamid.` namespace. */
export function testWamid(): string {
  return `wamid.test.${randomBytes(12).toString('hex')}`;
}

// Deterministic per phone number id, so a tenant's envelopes always look like they come from the same WABA.
function displayPhoneNumberFor(phoneNumberId: string): string {
  return `1555${phoneNumberId.replace(/\D/g, '').slice(-7).padStart(7, '0')}`;
}

function wabaIdFor(phoneNumberId: string): string {
  return `9${phoneNumberId.replace(/\D/g, '').slice(-14).padStart(14, '0')}`;
}

function nowSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** The webhook body Meta POSTs: one entry, one `messages` change whose value is `Metadata & T`. */
export interface WebhookEnvelope<T extends object = Record<string, unknown>> {
  object: 'whatsapp_business_account';
  entry: Array<{
    id: string;
    changes: Array<{
      value: { messaging_product: 'whatsapp'; metadata: { display_phone_number: string; phone_number_id: string } } & T;
      field: 'messages';
    }>;
  }>;
}

function wrap<T extends object>(phoneNumberId: string, value: T): WebhookEnvelope<T> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: wabaIdFor(phoneNumberId),
        changes: [
          {
            value: {
              messaging_product: 'whatsapp' as const,
              metadata: { display_phone_number: displayPhoneNumberFor(phoneNumberId), phone_number_id: phoneNumberId },
              ...value,
            },
            field: 'messages' as const,
          },
        ],
      },
    ],
  };
}

/**
 * A `messages` webhook for `phoneNumberId` carrying `messages`. `contacts` default to one profile per distinct
 * `from` (name 'Test User'); pass `null` to omit the array (as for system messages).
 */
export function envelope<M extends object>(
  phoneNumberId: string,
  messages: M[],
  contacts?: object[] | null,
): WebhookEnvelope<{ contacts?: object[]; messages: M[] }> {
  let resolvedContacts = contacts;
  if (resolvedContacts === undefined) {
    const senders = [...new Set(messages.map((message) => (message as { from?: unknown }).from).filter((from) => typeof from === 'string'))];
    resolvedContacts = senders.map((from) => ({ profile: { name: 'Test User' }, wa_id: from }));
  }
  return wrap(phoneNumberId, resolvedContacts === null ? { messages } : { contacts: resolvedContacts, messages });
}

/** A complete webhook with one text message from `from` (digits, no `+`). id defaults to a fresh `wamid.test.*`. */
export function textMessage(options: {
  phoneNumberId: string;
  from: string;
  text: string;
  id?: string;
  /** Unix seconds as a string, as Meta sends it; default now. */
  timestamp?: string;
  /** Profile name; default 'Test User'. */
  name?: string;
}) {
  const message = {
    from: options.from,
    id: options.id ?? testWamid(),
    timestamp: options.timestamp ?? nowSeconds(),
    type: 'text',
    text: { body: options.text },
  };
  return envelope(options.phoneNumberId, [message], [{ profile: { name: options.name ?? 'Test User' }, wa_id: options.from }]);
}

/** A `statuses[]` webhook about an outbound message (`sent`, `delivered`, `read`, `failed`, ...). */
export function statusUpdate(options: {
  phoneNumberId: string;
  waMessageId: string;
  status: string;
  /** For `failed`: `[{ code, title, message, error_data: { details } }]`. */
  errors?: object[];
  recipientId?: string;
  timestamp?: string;
}) {
  const status: Record<string, unknown> = {
    id: options.waMessageId,
    status: options.status,
    timestamp: options.timestamp ?? nowSeconds(),
    recipient_id: options.recipientId ?? '15550000001',
  };
  if (options.errors) status.errors = options.errors;
  return wrap(options.phoneNumberId, { statuses: [status] });
}

/**
 * POSTs `body` to `${baseUrl}/webhook` as application/json. Objects go through metaJson; strings and Buffers are
 * sent byte for byte. Signs with `appSecret` unless `signature` is given (`null` sends no signature header).
 */
export async function postWebhook(
  baseUrl: string,
  body: unknown,
  options: { appSecret?: string; signature?: string | null } = {},
): Promise<{ status: number; text: string }> {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : metaJson(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature !== undefined ? options.signature : options.appSecret !== undefined ? signBody(raw, options.appSecret) : null;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const payload = typeof raw === 'string' ? raw : new Uint8Array(raw);
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/webhook`, { method: 'POST', headers, body: payload });
  return { status: response.status, text: await response.text() };
}

/** Raw text of `test/fixtures/whatsapp/<name>` (a copy of the shared webhook fixtures, so a clone tests on its own). */
export function fixture(name: string): string {
  const url = new URL(`../fixtures/whatsapp/${name}`, import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch (error) {
    throw new Error(`fixture ${name}: cannot read ${fileURLToPath(url)}; shared/ must sit beside the repository clone`, { cause: error });
  }
}

import type { InboundMessage, InboundStatus, ParsedEnvelope, UserAddress } from '../ports/inbound.js';
import { renderMessage } from './render-message.js';

type JsonObject = Record<string, unknown>;

// Hand-written guards instead of zod: this runs for every webhook before the 200, and reads only a few fields.

/**
 * Extracts messages, statuses and errors from a webhook body; null when the body is not a WhatsApp envelope.
 * `receivedAtMs` (Unix ms, default now) stands in for a missing or unreadable `timestamp`.
 */
export function parseEnvelope(body: unknown, receivedAtMs?: number): ParsedEnvelope | null {
  if (!isEnvelope(body)) return null;
  const envelope: ParsedEnvelope = { messages: [], statuses: [], ignoredChanges: 0, errors: [] };
  for (const entry of body.entry) {
    if (!isRecord(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (!isRecord(change) || change.field !== 'messages') {
        envelope.ignoredChanges += 1;
        continue;
      }
      if (isRecord(change.value)) collectValue(change.value, envelope, receivedAtMs);
    }
  }
  return envelope;
}

/** Whether a body has the shape of a WhatsApp webhook: `{"object":"whatsapp_business_account","entry":[...]}`. */
export function isEnvelope(body: unknown): body is { object: 'whatsapp_business_account'; entry: unknown[] } {
  return isRecord(body) && body.object === 'whatsapp_business_account' && Array.isArray(body.entry);
}

function collectValue(value: JsonObject, envelope: ParsedEnvelope, receivedAtMs: number | undefined): void {
  const phoneNumberId = isRecord(value.metadata) ? idString(value.metadata.phone_number_id) : null;

  if (Array.isArray(value.errors)) {
    for (const error of value.errors) {
      if (!isRecord(error)) continue;
      envelope.errors.push({ phoneNumberId, code: errorCode(error.code), title: errorTitle(error) });
    }
  }

  // Without the business number there is no tenant to route messages or statuses to; errors above are still kept.
  if (phoneNumberId === null) return;

  const contacts = Array.isArray(value.contacts) ? value.contacts : null;
  if (Array.isArray(value.messages)) {
    for (const item of value.messages) {
      const message = isRecord(item) ? toMessage(item, phoneNumberId, contacts, receivedAtMs) : null;
      if (message !== null) envelope.messages.push(message);
    }
  }
  if (Array.isArray(value.statuses)) {
    for (const item of value.statuses) {
      const status = isRecord(item) ? toStatus(item, phoneNumberId, receivedAtMs) : null;
      if (status !== null) envelope.statuses.push(status);
    }
  }
}

function toMessage(
  message: JsonObject,
  phoneNumberId: string,
  contacts: unknown[] | null,
  receivedAtMs: number | undefined,
): InboundMessage | null {
  const waMessageId = idString(message.id);
  if (waMessageId === null) return null; // no dedupe key: storing it would risk answering a redelivery twice
  const from = idString(message.from);
  const fromUserId = idString(message.from_user_id);
  // `from` is omitted for username users Meta only knows by BSUID; replies then go to `recipient`.
  let address: UserAddress;
  if (from !== null) address = { kind: 'phone', value: from };
  else if (fromUserId !== null) address = { kind: 'bsuid', value: fromUserId };
  else return null;

  const { text, ignoredReason, actionId } = renderMessage(message);
  return {
    phoneNumberId,
    userId: address.value,
    address,
    waMessageId,
    timestampMs: toMilliseconds(message.timestamp, receivedAtMs),
    type: typeof message.type === 'string' ? message.type : '',
    text,
    ignoredReason,
    actionId: actionId ?? null,
    contactName: findContactName(contacts, from, fromUserId),
    rawJson: JSON.stringify(message),
  };
}

function toStatus(status: JsonObject, phoneNumberId: string, receivedAtMs: number | undefined): InboundStatus | null {
  const waMessageId = idString(status.id);
  if (waMessageId === null) return null;
  const rawStatus = typeof status.status === 'string' ? status.status : '';
  const firstError = Array.isArray(status.errors) && isRecord(status.errors[0]) ? status.errors[0] : null;
  return {
    phoneNumberId,
    waMessageId,
    status: normaliseStatus(rawStatus),
    rawStatus,
    timestampMs: toMilliseconds(status.timestamp, receivedAtMs),
    errorCode: firstError === null ? null : errorCode(firstError.code),
    errorTitle: firstError === null ? null : errorTitle(firstError),
  };
}

function normaliseStatus(raw: string): InboundStatus['status'] {
  switch (raw) {
    case 'sent':
    case 'delivered':
    case 'read':
    case 'failed':
    case 'played':
      return raw;
    default:
      return 'unknown';
  }
}

// Meta does not promise contacts[] is in messages[] order (and system messages have none), so match by id.
function findContactName(contacts: unknown[] | null, from: string | null, fromUserId: string | null): string | null {
  if (contacts === null) return null;
  for (const contact of contacts) {
    if (!isRecord(contact)) continue;
    const matches =
      (from !== null && idString(contact.wa_id) === from) ||
      (fromUserId !== null && idString(contact.user_id) === fromUserId);
    if (!matches || !isRecord(contact.profile)) continue;
    const name = contact.profile.name;
    if (typeof name === 'string' && name.trim() !== '') return name;
  }
  return null;
}

function toMilliseconds(timestamp: unknown, receivedAtMs: number | undefined): number {
  const seconds = typeof timestamp === 'string' && timestamp !== '' ? Number(timestamp) : timestamp;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return Math.round(seconds * 1000);
  return receivedAtMs ?? Date.now();
}

/** Ids are JSON strings per Meta; a bare number is accepted too, since digits are digits. */
function idString(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return null;
}

function errorCode(value: unknown): number | null {
  const code = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isInteger(code) ? code : null;
}

function errorTitle(error: JsonObject): string | null {
  if (typeof error.title === 'string' && error.title !== '') return error.title;
  return typeof error.message === 'string' && error.message !== '' ? error.message : null;
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

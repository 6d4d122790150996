// Builders shared by the contract suites: each test makes its own tenant, user and message ids.
import { randomUUID } from 'node:crypto';
import type { TenantMessage, TenantStatus } from '../../src/ports/inbox.js';
import type { OutboxDraft } from '../../src/ports/outbox.js';

/** A fresh id with a readable prefix, so that suites sharing one database never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** An answerable text message from `userId` to `tenantId`, due for its turn at `turnDueAt`. */
export function textMessage(options: {
  tenantId: string;
  userId: string;
  waMessageId?: string;
  text?: string | null;
  timestampMs: number;
  turnDueAt: number;
  contactName?: string | null;
}): TenantMessage {
  const waMessageId = options.waMessageId ?? uniqueId('wamid');
  const text = options.text === undefined ? `text of ${waMessageId}` : options.text;
  return {
    tenantId: options.tenantId,
    phoneNumberId: `phone-of-${options.tenantId}`,
    userId: options.userId,
    address: { kind: 'phone', value: options.userId },
    waMessageId,
    timestampMs: options.timestampMs,
    type: text === null ? 'reaction' : 'text',
    text,
    ignoredReason: text === null ? 'reaction' : null,
    actionId: null,
    contactName: options.contactName ?? null,
    rawJson: JSON.stringify({ id: waMessageId }),
    turnDueAt: options.turnDueAt,
  };
}

/** A delivery status for a message we sent. */
export function deliveryStatus(options: {
  tenantId: string;
  waMessageId: string;
  status: TenantStatus['status'];
  timestampMs: number;
  errorCode?: number | null;
}): TenantStatus {
  return {
    tenantId: options.tenantId,
    phoneNumberId: `phone-of-${options.tenantId}`,
    waMessageId: options.waMessageId,
    status: options.status,
    rawStatus: options.status,
    timestampMs: options.timestampMs,
    errorCode: options.errorCode ?? null,
    errorTitle: options.errorCode ? `error ${options.errorCode}` : null,
  };
}

/** A text reply to `recipientId`. */
export function textDraft(options: { tenantId: string; recipientId: string; idempotencyKey?: string; text?: string }): OutboxDraft {
  return {
    tenantId: options.tenantId,
    recipientId: options.recipientId,
    address: { kind: 'phone', value: options.recipientId },
    kind: 'reply',
    idempotencyKey: options.idempotencyKey ?? uniqueId('reply'),
    body: { type: 'text', text: { body: options.text ?? 'hello' } },
  };
}

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../ports/inbound.js';
import { parseEnvelope } from './parse-envelope.js';

const FIXTURES = new URL('../../test/fixtures/whatsapp/', import.meta.url);

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
}

function firstRawMessage(body: unknown): unknown {
  return (body as { entry: Array<{ changes: Array<{ value: { messages: unknown[] } }> }> }).entry[0]!.changes[0]!.value.messages[0];
}

function onlyMessage(name: string): InboundMessage {
  const envelope = parseEnvelope(fixture(name));
  expect(envelope?.messages).toHaveLength(1);
  return envelope!.messages[0]!;
}

/** A `messages` change for one business number. */
function change(phoneNumberId: string, value: Record<string, unknown>) {
  return {
    field: 'messages',
    value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550000000', phone_number_id: phoneNumberId }, ...value },
  };
}

function envelope(...entries: Array<{ changes: unknown[] }>) {
  return { object: 'whatsapp_business_account', entry: entries.map((entry, index) => ({ id: `waba-${index}`, ...entry })) };
}

describe('parseEnvelope: fixtures', () => {
  it('parses every fixture file as an envelope', () => {
    const files = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const file of files) expect(parseEnvelope(fixture(file)), file).not.toBeNull();
  });

  it('parses a text message', () => {
    const body = fixture('text.json');
    expect(parseEnvelope(body)).toEqual({
      messages: [
        {
          phoneNumberId: '111111111111111',
          userId: '14085550147',
          address: { kind: 'phone', value: '14085550147' },
          waMessageId: 'wamid.HBgLMTQwODU1NTAxNDcVAgASGBQzQUI1QTEzQkFEQ0FFNDIwODAzQgA=',
          timestampMs: 1760000211000,
          type: 'text',
          text: 'Hello! What time do you open on Saturdays?',
          ignoredReason: null,
          actionId: null,
          contactName: 'Dana Whitfield',
          rawJson: JSON.stringify(firstRawMessage(body)),
        },
      ],
      statuses: [],
      ignoredChanges: 0,
      errors: [],
    });
  });

  it('parses an image with caption', () => {
    expect(onlyMessage('image.json')).toMatchObject({
      phoneNumberId: '222222222222222',
      userId: '13125550177',
      type: 'image',
      text: '[image] Here is the receipt from yesterday',
      contactName: 'Tomás Herrera',
      timestampMs: 1760000422000,
    });
  });

  it('parses a voice note', () => {
    expect(onlyMessage('audio-voice.json')).toMatchObject({
      phoneNumberId: '111111111111111',
      type: 'audio',
      text: '[voice note]',
      contactName: 'Raj Patel',
    });
  });

  it('parses a button reply and a list reply', () => {
    expect(onlyMessage('interactive-button-reply.json')).toMatchObject({
      userId: '447911123456',
      type: 'interactive',
      text: 'Yes, please',
      contactName: "Grace O'Neill",
    });
    expect(onlyMessage('interactive-list-reply.json')).toMatchObject({
      userId: '14085550147',
      text: 'Large — Serves 4',
      contactName: 'Dana Whitfield',
    });
  });

  it('parses a location', () => {
    expect(onlyMessage('location.json').text).toBe(
      '[location] Willis Tower, 233 S Wacker Dr, Chicago, IL 60606 (41.8789, -87.6359)',
    );
  });

  it('keeps a reaction but marks it not to be answered', () => {
    expect(onlyMessage('reaction.json')).toMatchObject({
      type: 'reaction',
      text: null,
      ignoredReason: 'reaction',
      waMessageId: 'wamid.HBgLMTQwODU1NTAxNjMVAgASGBRBQjJFOTVDMDRERjVCOTA4NkM5MAA=',
    });
  });

  it('parses a delivered status', () => {
    expect(parseEnvelope(fixture('status-delivered.json'))).toEqual({
      messages: [],
      statuses: [
        {
          phoneNumberId: '222222222222222',
          waMessageId: 'wamid.HBgMNDQ3OTExMTIzNDU2FQIAERgSNkMzNDY3NUYwRDhGMkU1ODFCAA==',
          status: 'delivered',
          rawStatus: 'delivered',
          timestampMs: 1760001688000,
          errorCode: null,
          errorTitle: null,
        },
      ],
      ignoredChanges: 0,
      errors: [],
    });
  });

  it('parses a failed status with its first error', () => {
    expect(parseEnvelope(fixture('status-failed.json'))?.statuses).toEqual([
      {
        phoneNumberId: '111111111111111',
        waMessageId: 'wamid.HBgLMTQwODU1NTAxNDcVAgARGBI1NEY3RDc0N0U2MjE2MUM4QkMA',
        status: 'failed',
        rawStatus: 'failed',
        timestampMs: 1760001899000,
        errorCode: 131026,
        errorTitle: 'Message undeliverable',
      },
    ]);
  });

  it('matches each message of a batch to its own contact', () => {
    const messages = parseEnvelope(fixture('batch-two-messages.json'))!.messages;
    expect(messages.map((message) => [message.userId, message.contactName, message.text])).toEqual([
      ['13125550177', 'Tomás Herrera', '¿Tienen servicio a domicilio hoy?'],
      ['447911123456', "Grace O'Neill", 'Can I change my booking to 7pm?'],
    ]);
  });

  it('counts a non-messages change as ignored', () => {
    expect(parseEnvelope(fixture('non-messages-field.json'))).toEqual({ messages: [], statuses: [], ignoredChanges: 1, errors: [] });
  });

  it('still parses a message to a number no tenant owns', () => {
    expect(onlyMessage('unknown-phone-number-id.json')).toMatchObject({
      phoneNumberId: '150000000000001',
      userId: '19175550134',
      text: 'Hi, is anyone there?',
      contactName: 'Lee Moreno',
    });
  });
});

describe('parseEnvelope: non-envelopes', () => {
  it.each([
    ['null', null],
    ['a string', 'whatsapp_business_account'],
    ['an array', [{ object: 'whatsapp_business_account', entry: [] }]],
    ['another object', { object: 'page', entry: [] }],
    ['entry not an array', { object: 'whatsapp_business_account', entry: { id: '1', changes: [] } }],
    ['no entry', { object: 'whatsapp_business_account' }],
  ])('returns null for %s', (_label, body) => {
    expect(parseEnvelope(body)).toBeNull();
  });

  it('accepts an envelope with no entries', () => {
    expect(parseEnvelope({ object: 'whatsapp_business_account', entry: [] })).toEqual({
      messages: [],
      statuses: [],
      ignoredChanges: 0,
      errors: [],
    });
  });
});

describe('parseEnvelope: BSUID users', () => {
  it('keys a user without `from` on from_user_id and takes the name from user_id', () => {
    const raw = { from_user_id: 'US.13491208655302741918', id: 'wamid.bsuid1', timestamp: '1767868200', type: 'text', text: { body: 'Oi' } };
    const body = envelope({
      changes: [
        change('111111111111111', {
          contacts: [{ profile: { name: 'Noor', username: '@noor' }, user_id: 'US.13491208655302741918' }],
          messages: [raw],
        }),
      ],
    });
    expect(parseEnvelope(body)!.messages).toEqual([
      {
        phoneNumberId: '111111111111111',
        userId: 'US.13491208655302741918',
        address: { kind: 'bsuid', value: 'US.13491208655302741918' },
        waMessageId: 'wamid.bsuid1',
        timestampMs: 1767868200000,
        type: 'text',
        text: 'Oi',
        ignoredReason: null,
        actionId: null,
        contactName: 'Noor',
        rawJson: JSON.stringify(raw),
      },
    ]);
  });

  it('prefers `from` when both are present', () => {
    const body = envelope({
      changes: [
        change('111111111111111', {
          contacts: [{ profile: { name: 'Noor' }, wa_id: '5511987654321', user_id: 'US.1' }],
          messages: [{ from: '5511987654321', from_user_id: 'US.1', id: 'wamid.both', timestamp: '1767868200', type: 'text', text: { body: 'x' } }],
        }),
      ],
    });
    expect(parseEnvelope(body)!.messages[0]).toMatchObject({
      userId: '5511987654321',
      address: { kind: 'phone', value: '5511987654321' },
      contactName: 'Noor',
    });
  });

  it('skips a message with neither `from` nor from_user_id', () => {
    const body = envelope({
      changes: [change('111111111111111', { messages: [{ id: 'wamid.nobody', timestamp: '1', type: 'text', text: { body: 'x' } }] })],
    });
    expect(parseEnvelope(body)!.messages).toEqual([]);
  });
});

describe('parseEnvelope: batches', () => {
  it('routes each entry of one POST by its own phone_number_id', () => {
    const body = envelope(
      {
        changes: [
          change('111111111111111', {
            contacts: [{ profile: { name: 'Ana' }, wa_id: '5511900000001' }],
            messages: [{ from: '5511900000001', id: 'wamid.a1', timestamp: '1760000001', type: 'text', text: { body: 'first' } }],
          }),
        ],
      },
      {
        changes: [
          change('222222222222222', {
            contacts: [{ profile: { name: 'Ben' }, wa_id: '447900000002' }],
            messages: [{ from: '447900000002', id: 'wamid.b1', timestamp: '1760000002', type: 'text', text: { body: 'second' } }],
            statuses: [{ id: 'wamid.out1', status: 'read', timestamp: '1760000003', recipient_id: '447900000002' }],
          }),
          { field: 'phone_number_quality_update', value: { display_phone_number: '15550000000', event: 'FLAGGED' } },
        ],
      },
    );
    const parsed = parseEnvelope(body)!;
    expect(parsed.messages.map((message) => [message.phoneNumberId, message.waMessageId, message.contactName, message.text])).toEqual([
      ['111111111111111', 'wamid.a1', 'Ana', 'first'],
      ['222222222222222', 'wamid.b1', 'Ben', 'second'],
    ]);
    expect(parsed.statuses).toEqual([
      {
        phoneNumberId: '222222222222222',
        waMessageId: 'wamid.out1',
        status: 'read',
        rawStatus: 'read',
        timestampMs: 1760000003000,
        errorCode: null,
        errorTitle: null,
      },
    ]);
    expect(parsed.ignoredChanges).toBe(1);
  });

  it('matches contact names by id, not by position', () => {
    const body = envelope({
      changes: [
        change('222222222222222', {
          contacts: [
            { profile: { name: 'Second Sender' }, wa_id: '222' },
            { wa_id: '333' },
            { profile: { name: 'First Sender' }, wa_id: '111' },
          ],
          messages: [
            { from: '111', id: 'wamid.1', timestamp: '1', type: 'text', text: { body: 'a' } },
            { from: '222', id: 'wamid.2', timestamp: '2', type: 'text', text: { body: 'b' } },
            { from: '333', id: 'wamid.3', timestamp: '3', type: 'text', text: { body: 'c' } },
            { from: '444', id: 'wamid.4', timestamp: '4', type: 'text', text: { body: 'd' } },
          ],
        }),
      ],
    });
    expect(parseEnvelope(body)!.messages.map((message) => message.contactName)).toEqual(['First Sender', 'Second Sender', null, null]);
  });
});

describe('parseEnvelope: leniency', () => {
  it('treats a type without its object as unsupported and keeps the value-level error', () => {
    const body = envelope({
      changes: [
        change('111111111111111', {
          messages: [{ from: '14085550147', id: 'wamid.noobject', timestamp: '1760000500', type: 'interactive' }],
          errors: [{ code: 131000, title: 'Unsupported webhook payload', message: 'Something went wrong' }],
        }),
      ],
    });
    const parsed = parseEnvelope(body)!;
    expect(parsed.messages).toHaveLength(1);
    expect(parsed.messages[0]).toMatchObject({
      waMessageId: 'wamid.noobject',
      type: 'interactive',
      text: null,
      ignoredReason: 'missing_object:interactive',
      contactName: null,
    });
    expect(parsed.errors).toEqual([{ phoneNumberId: '111111111111111', code: 131000, title: 'Unsupported webhook payload' }]);
  });

  it('keeps an unknown future type with its raw JSON', () => {
    const raw = { from: '14085550147', id: 'wamid.future', timestamp: 1760000600, type: 'hologram', hologram: { id: '9' }, new_key: true };
    const message = parseEnvelope(envelope({ changes: [change('111111111111111', { messages: [raw] })] }))!.messages[0];
    expect(message).toMatchObject({
      type: 'hologram',
      text: null,
      ignoredReason: 'unknown_type:hologram',
      timestampMs: 1760000600000,
      rawJson: JSON.stringify(raw),
    });
  });

  it('parses order, contacts, Flow, button, sticker, document, video and audio messages', () => {
    const base = { from: '14085550147', timestamp: '1760000700' };
    const body = envelope({
      changes: [
        change('111111111111111', {
          messages: [
            {
              ...base,
              id: 'wamid.order',
              type: 'order',
              order: {
                catalog_id: '900',
                product_items: [
                  { product_retailer_id: 'SKU-1', quantity: 2, item_price: 12.5, currency: 'USD' },
                  { product_retailer_id: 'SKU-2', quantity: 1, item_price: 3, currency: 'USD' },
                ],
              },
            },
            {
              ...base,
              id: 'wamid.contacts',
              type: 'contacts',
              contacts: [{ name: { formatted_name: 'Ana Souza' }, phones: [{ phone: '+55 11 98765-4321', type: 'CELL' }] }],
            },
            {
              ...base,
              id: 'wamid.flow',
              type: 'interactive',
              context: { from: '14155550100', id: 'wamid.flowsent' },
              interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"slot": "09:00"}' } },
            },
            { ...base, id: 'wamid.button', type: 'button', button: { payload: 'CONFIRM', text: 'Confirm' } },
            { ...base, id: 'wamid.sticker', type: 'sticker', sticker: { id: '1', mime_type: 'image/webp', animated: true } },
            { ...base, id: 'wamid.document', type: 'document', document: { id: '2', filename: 'menu.pdf', caption: 'Is this current?' } },
            { ...base, id: 'wamid.video', type: 'video', video: { id: '3' } },
            { ...base, id: 'wamid.audio', type: 'audio', audio: { id: '4', mime_type: 'audio/mpeg', voice: false } },
          ],
        }),
      ],
    });
    expect(parseEnvelope(body)!.messages.map((message) => [message.waMessageId, message.type, message.text])).toEqual([
      ['wamid.order', 'order', '[order] 2 × SKU-1 at 12.50 USD; 1 × SKU-2 at 3.00 USD'],
      ['wamid.contacts', 'contacts', '[shared contact] Ana Souza +55 11 98765-4321'],
      ['wamid.flow', 'interactive', '[form submitted] {"slot":"09:00"}'],
      ['wamid.button', 'button', 'Confirm'],
      ['wamid.sticker', 'sticker', '[sticker]'],
      ['wamid.document', 'document', '[document: menu.pdf] Is this current?'],
      ['wamid.video', 'video', '[video]'],
      ['wamid.audio', 'audio', '[audio]'],
    ]);
  });

  it('skips messages without an id and values without metadata, keeping their errors', () => {
    const body = envelope({
      changes: [
        change('111111111111111', { messages: [{ from: '1', timestamp: '1', type: 'text', text: { body: 'no id' } }, 'junk', null] }),
        {
          field: 'messages',
          value: {
            messages: [{ from: '1', id: 'wamid.nometa', timestamp: '1', type: 'text', text: { body: 'lost' } }],
            errors: [{ code: 130429, title: 'Rate limit hit' }],
          },
        },
        { field: 'messages' },
        'not a change',
      ],
    });
    expect(parseEnvelope(body)).toEqual({
      messages: [],
      statuses: [],
      ignoredChanges: 1,
      errors: [{ phoneNumberId: null, code: 130429, title: 'Rate limit hit' }],
    });
  });

  it('tolerates missing contacts and a contact without profile name', () => {
    const body = envelope({
      changes: [
        change('111111111111111', {
          messages: [{ from: '1', id: 'wamid.nocontacts', timestamp: '1', type: 'text', text: { body: 'a' } }],
        }),
        change('111111111111111', {
          contacts: [{ profile: {}, wa_id: '2' }],
          messages: [{ from: '2', id: 'wamid.noname', timestamp: '2', type: 'text', text: { body: 'b' } }],
        }),
      ],
    });
    expect(parseEnvelope(body)!.messages.map((message) => [message.waMessageId, message.contactName])).toEqual([
      ['wamid.nocontacts', null],
      ['wamid.noname', null],
    ]);
  });

  it('falls back to the receive time for a missing or unreadable timestamp', () => {
    const body = envelope({
      changes: [
        change('111111111111111', {
          messages: [
            { from: '1', id: 'wamid.t1', type: 'text', text: { body: 'a' } },
            { from: '1', id: 'wamid.t2', timestamp: 'yesterday', type: 'text', text: { body: 'b' } },
          ],
        }),
      ],
    });
    expect(parseEnvelope(body, 1_767_000_000_123)!.messages.map((message) => message.timestampMs)).toEqual([
      1_767_000_000_123, 1_767_000_000_123,
    ]);
  });

  it('maps statuses it does not know to unknown, keeping the raw value', () => {
    const body = envelope({
      changes: [
        change('111111111111111', {
          statuses: [
            { id: 'wamid.s1', status: 'played', timestamp: '1760000800' },
            { id: 'wamid.s2', status: 'deleted', timestamp: '1760000801' },
            { id: 'wamid.s3', status: 'failed', timestamp: 1760000802, errors: [{ code: '131047', message: 'Re-engagement message' }] },
            { status: 'sent', timestamp: '1760000803' },
          ],
        }),
      ],
    });
    expect(parseEnvelope(body)!.statuses.map((status) => [status.waMessageId, status.status, status.rawStatus, status.errorCode, status.errorTitle])).toEqual([
      ['wamid.s1', 'played', 'played', null, null],
      ['wamid.s2', 'unknown', 'deleted', null, null],
      ['wamid.s3', 'failed', 'failed', 131047, 'Re-engagement message'],
    ]);
  });
});

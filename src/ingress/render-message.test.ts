import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMessage } from './render-message.js';

type JsonObject = Record<string, unknown>;

/** The first `messages[]` item of a fixture in test/fixtures/whatsapp/. */
function fixtureMessage(name: string): JsonObject {
  const body = JSON.parse(readFileSync(new URL(`../../test/fixtures/whatsapp/${name}`, import.meta.url), 'utf8'));
  return body.entry[0].changes[0].value.messages[0] as JsonObject;
}

function message(type: string, fields: JsonObject = {}): JsonObject {
  return { from: '14085550100', id: 'wamid.render', timestamp: '1760000000', type, ...fields };
}

describe('renderMessage: fixtures', () => {
  it.each([
    ['text.json', 'Hello! What time do you open on Saturdays?'],
    ['image.json', '[image] Here is the receipt from yesterday'],
    ['audio-voice.json', '[voice note]'],
    ['location.json', '[location] Willis Tower, 233 S Wacker Dr, Chicago, IL 60606 (41.8789, -87.6359)'],
    ['batch-two-messages.json', '¿Tienen servicio a domicilio hoy?'],
    ['unknown-phone-number-id.json', 'Hi, is anyone there?'],
  ])('renders %s', (file, expected) => {
    expect(renderMessage(fixtureMessage(file))).toEqual({ text: expected, ignoredReason: null });
  });

  it.each([
    ['interactive-button-reply.json', 'Yes, please', 'opt_yes'],
    ['interactive-list-reply.json', 'Large — Serves 4', 'size_large'],
  ])('renders %s with the pressed id as its action', (file, expected, actionId) => {
    expect(renderMessage(fixtureMessage(file))).toEqual({ text: expected, ignoredReason: null, actionId });
  });

  it('stores a reaction without answering it', () => {
    expect(renderMessage(fixtureMessage('reaction.json'))).toEqual({ text: null, ignoredReason: 'reaction' });
  });
});

describe('renderMessage: text', () => {
  it('keeps the body as written except trailing whitespace', () => {
    const rendered = renderMessage(message('text', { text: { body: '  line one\n\n  line  two \n\t ' } }));
    expect(rendered).toEqual({ text: '  line one\n\n  line  two', ignoredReason: null });
  });

  it('keeps emoji-only text', () => {
    expect(renderMessage(message('text', { text: { body: '👍🏽' } })).text).toBe('👍🏽');
  });

  it('ignores a blank body', () => {
    expect(renderMessage(message('text', { text: { body: ' \n ' } }))).toEqual({ text: null, ignoredReason: 'empty' });
  });
});

describe('renderMessage: media', () => {
  it('renders an image without caption', () => {
    expect(renderMessage(message('image', { image: { id: '1', mime_type: 'image/jpeg' } })).text).toBe('[image]');
  });

  it('renders a video with and without caption', () => {
    expect(renderMessage(message('video', { video: { id: '2', caption: 'Look at this ' } })).text).toBe('[video] Look at this');
    expect(renderMessage(message('video', { video: { id: '2', caption: '' } })).text).toBe('[video]');
  });

  it('renders a document with its filename and caption', () => {
    const withCaption = message('document', { document: { id: '3', filename: 'invoice-0042.pdf', caption: 'March invoice' } });
    expect(renderMessage(withCaption).text).toBe('[document: invoice-0042.pdf] March invoice');
    expect(renderMessage(message('document', { document: { id: '3', filename: 'name.pdf' } })).text).toBe(
      '[document: name.pdf]',
    );
    expect(renderMessage(message('document', { document: { id: '3' } })).text).toBe('[document]');
  });

  it('tells a voice note from an audio file', () => {
    expect(renderMessage(message('audio', { audio: { id: '4', mime_type: 'audio/mpeg', voice: false } })).text).toBe('[audio]');
    expect(renderMessage(message('audio', { audio: { id: '4', mime_type: 'audio/mpeg' } })).text).toBe('[audio]');
    expect(renderMessage(message('audio', { audio: { id: '4', voice: true } })).text).toBe('[voice note]');
  });

  it('renders a sticker', () => {
    const sticker = message('sticker', { sticker: { id: '5', mime_type: 'image/webp', animated: false } });
    expect(renderMessage(sticker)).toEqual({ text: '[sticker]', ignoredReason: null });
  });
});

describe('renderMessage: location', () => {
  it('omits missing name and address', () => {
    expect(renderMessage(message('location', { location: { latitude: -23.5505, longitude: -46.6333 } })).text).toBe(
      '[location] (-23.5505, -46.6333)',
    );
  });

  it('renders an address without name', () => {
    const location = message('location', { location: { latitude: 1.5, longitude: 2, address: 'Rua Augusta 100' } });
    expect(renderMessage(location).text).toBe('[location] Rua Augusta 100 (1.5, 2)');
  });
});

describe('renderMessage: contacts', () => {
  it('lists each shared contact with its phones', () => {
    const shared = message('contacts', {
      contacts: [
        {
          name: { formatted_name: 'Ana Souza', first_name: 'Ana', last_name: 'Souza' },
          phones: [
            { phone: '+55 11 98765-4321', wa_id: '5511987654321', type: 'CELL' },
            { phone: '+55 11 3333-4444', type: 'WORK' },
          ],
        },
        { name: { first_name: 'Bo', last_name: 'Lin' }, phones: [{ phone: '+1 415 555 0100' }] },
        { name: { formatted_name: 'No Phone' } },
      ],
    });
    expect(renderMessage(shared).text).toBe(
      '[shared contact] Ana Souza +55 11 98765-4321, +55 11 3333-4444; Bo Lin +1 415 555 0100; No Phone',
    );
  });
});

describe('renderMessage: interactive and buttons', () => {
  it('renders a list reply without description as its title', () => {
    const reply = message('interactive', { interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Small' } } });
    expect(renderMessage(reply).text).toBe('Small');
  });

  it('renders a completed Flow as compact JSON', () => {
    const flow = message('interactive', {
      interactive: {
        type: 'nfm_reply',
        nfm_reply: { name: 'flow', body: 'Sent', response_json: '{\n  "date": "2026-05-04",\n  "people": 2,\n  "flow_token": "t1"\n}' },
      },
    });
    expect(renderMessage(flow).text).toBe('[form submitted] {"date":"2026-05-04","people":2,"flow_token":"t1"}');
  });

  it('passes a Flow answer that is not JSON through as sent', () => {
    const flow = message('interactive', {
      interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"date": 2026-05' } },
    });
    expect(renderMessage(flow).text).toBe('[form submitted] {"date": 2026-05');
  });

  it('ignores an interactive subtype it does not know', () => {
    const future = message('interactive', { interactive: { type: 'call_permission_reply', call_permission_reply: {} } });
    expect(renderMessage(future)).toEqual({ text: null, ignoredReason: 'unknown_interactive:call_permission_reply' });
  });

  it('renders a template quick-reply button as its text, else its payload', () => {
    expect(renderMessage(message('button', { button: { payload: 'STOP_PROMOS', text: 'Stop promotions' } })).text).toBe(
      'Stop promotions',
    );
    expect(renderMessage(message('button', { button: { payload: 'STOP_PROMOS' } })).text).toBe('STOP_PROMOS');
    expect(renderMessage(message('button', { button: { payload: 'STOP_PROMOS', text: 'Stop' } })).actionId).toBe('STOP_PROMOS');
  });

  it('carries no action for a text message or an over-long id', () => {
    expect(renderMessage(message('text', { text: { body: 'sb:order:approve:ORD-1' } })).actionId).toBeUndefined();
    const reply = { type: 'button_reply', button_reply: { id: 'x'.repeat(300), title: 'Yes' } };
    expect(renderMessage(message('interactive', { interactive: reply })).actionId).toBeUndefined();
  });
});

describe('renderMessage: order', () => {
  it('lists items with two-decimal prices and the note', () => {
    const order = message('order', {
      order: {
        catalog_id: '900',
        text: 'Please deliver after 6pm',
        product_items: [
          { product_retailer_id: 'SKU-1', quantity: 2, item_price: 12.5, currency: 'USD' },
          { product_retailer_id: 'SKU-2', quantity: 1, item_price: 3, currency: 'USD' },
        ],
      },
    });
    expect(renderMessage(order).text).toBe('[order] 2 × SKU-1 at 12.50 USD; 1 × SKU-2 at 3.00 USD — Please deliver after 6pm');
  });

  it('renders an order without note', () => {
    const order = message('order', {
      order: { catalog_id: '900', product_items: [{ product_retailer_id: 'SKU-9', quantity: 3, item_price: 0.99, currency: 'EUR' }] },
    });
    expect(renderMessage(order).text).toBe('[order] 3 × SKU-9 at 0.99 EUR');
  });
});

describe('renderMessage: not answered', () => {
  it.each([
    ['system', { system: { body: 'User A changed from 1 to 2', wa_id: '2', type: 'user_changed_number' } }, 'system'],
    ['unsupported', { errors: [{ code: 131051, title: 'Message type unknown' }], unsupported: { type: 'poll_creation' } }, 'unsupported'],
    ['reaction', { reaction: { message_id: 'wamid.x' } }, 'reaction'],
    ['hologram', { hologram: { id: '7' } }, 'unknown_type:hologram'],
    ['interactive', {}, 'missing_object:interactive'],
    ['text', {}, 'missing_object:text'],
    ['image', { image: 'not an object' }, 'missing_object:image'],
  ])('%s → %s', (type, fields, reason) => {
    expect(renderMessage(message(type, fields))).toEqual({ text: null, ignoredReason: reason });
  });

  it('reports a message without a type', () => {
    expect(renderMessage({ id: 'wamid.x', text: { body: 'hi' } })).toEqual({ text: null, ignoredReason: 'missing_type' });
  });

  it('does not read an unknown type from the prototype', () => {
    expect(renderMessage(message('constructor'))).toEqual({ text: null, ignoredReason: 'unknown_type:constructor' });
  });
});

describe('renderMessage: ad referral', () => {
  it('appends the ad headline', () => {
    const fromAd = message('text', {
      text: { body: 'Is this still available?' },
      referral: { source_type: 'ad', source_id: '1', headline: 'Spring sale: 20% off', body: 'Tap to chat' },
    });
    expect(renderMessage(fromAd).text).toBe('Is this still available? (via ad: Spring sale: 20% off)');
  });

  it('adds nothing when the ad has no headline', () => {
    const fromAd = message('image', { image: { id: '1' }, referral: { source_type: 'ad', source_id: '1' } });
    expect(renderMessage(fromAd).text).toBe('[image]');
  });
});

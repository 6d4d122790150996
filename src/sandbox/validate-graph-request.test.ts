import { describe, expect, it } from 'vitest';
import { validateGraphRequest } from './validate-graph-request.js';

const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '+5511987654321' };
const buttons = (list: Array<{ id: string; title: string }>) => ({
  ...base,
  type: 'interactive',
  interactive: { type: 'button', body: { text: 'Pick one' }, action: { buttons: list.map((reply) => ({ type: 'reply', reply })) } },
});
const rows = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `row-${index}`, title: `Row ${index}` }));
const listMessage = (sections: unknown[]) => ({ ...base, type: 'interactive', interactive: { type: 'list', body: { text: 'Menu' }, action: { button: 'See options', sections } } });

function refusal(body: unknown) {
  const result = validateGraphRequest(body);
  if (result.kind !== 'invalid') throw new Error(`accepted: ${JSON.stringify(body)}`);
  return result.error;
}

describe('validateGraphRequest: accepted', () => {
  it('accepts a text send and keys the recipient by digits', () => {
    expect(validateGraphRequest({ ...base, type: 'text', text: { body: 'Olá', preview_url: false } })).toEqual({
      kind: 'send',
      type: 'text',
      userId: '5511987654321',
      input: '+5511987654321',
    });
  });

  it('takes a body without type as text, as Meta does', () => {
    expect(validateGraphRequest({ messaging_product: 'whatsapp', to: '15551234567', text: { body: 'hi' } })).toMatchObject({ kind: 'send', type: 'text' });
  });

  it('accepts a BSUID recipient', () => {
    expect(validateGraphRequest({ messaging_product: 'whatsapp', recipient: 'US.1349', type: 'text', text: { body: 'hi' } })).toMatchObject({ userId: 'US.1349' });
  });

  it('accepts reply buttons, a list, a template, media, a location and a reaction', () => {
    const accepted = [
      buttons([{ id: 'sb:order:approve:ORD-1', title: 'Approve' }, { id: 'sb:order:reject:ORD-1', title: 'Reject' }]),
      listMessage([{ title: 'Sizes', rows: [{ id: 'large', title: 'Large', description: 'Serves 4' }] }]),
      { ...base, type: 'template', template: { name: 'appointment_reminder', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } },
      { ...base, type: 'image', image: { link: 'https://example.com/a.jpg', caption: 'menu' } },
      { ...base, type: 'location', location: { latitude: -23.5, longitude: '-46.6', name: 'Clinic' } },
      { ...base, type: 'reaction', reaction: { message_id: 'wamid.1', emoji: '👍' } },
    ];
    for (const body of accepted) expect(validateGraphRequest(body).kind, JSON.stringify(body)).toBe('send');
  });

  it('accepts a read receipt with and without the typing indicator', () => {
    expect(validateGraphRequest({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.in' })).toEqual({ kind: 'read', messageId: 'wamid.in', typing: false });
    expect(validateGraphRequest({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.in', typing_indicator: { type: 'text' } })).toMatchObject({ typing: true });
  });
});

describe('validateGraphRequest: refused with Meta codes', () => {
  it('requires messaging_product whatsapp', () => {
    expect(refusal({ to: '1555', type: 'text', text: { body: 'x' } })).toMatchObject({ httpStatus: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
    expect(refusal({ ...base, messaging_product: 'sms', type: 'text', text: { body: 'x' } })).toMatchObject({ code: 100 });
    expect(refusal('text')).toMatchObject({ code: 100 });
  });

  it('requires a recipient that is a phone number', () => {
    expect(refusal({ messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } })).toMatchObject({ code: 100, message: '(#100) The parameter to is required.' });
    expect(refusal({ ...base, to: 'nobody', type: 'text', text: { body: 'x' } })).toMatchObject({ code: 100 });
  });

  it('refuses an empty or too long text and an unknown type', () => {
    expect(refusal({ ...base, type: 'text', text: { body: '' } })).toMatchObject({ code: 131008, details: "Parameter 'text.body' is required." });
    expect(refusal({ ...base, type: 'text', text: { body: 'x'.repeat(4097) } })).toMatchObject({ code: 100 });
    expect(refusal({ ...base, type: 'hologram', hologram: {} }).message).toContain('Param type must be one of');
    expect(refusal({ ...base, type: 'text' })).toMatchObject({ code: 100, message: '(#100) The parameter text is required.' });
  });

  it('checks reply buttons: one to three, titles of at most 20 characters, unique ids', () => {
    expect(refusal(buttons([]))).toMatchObject({ code: 131008 });
    expect(refusal(buttons(rows(4)))).toMatchObject({ code: 131009 });
    expect(refusal(buttons([{ id: 'a', title: 'A title far too long for WhatsApp' }]))).toMatchObject({
      code: 131009,
      details: 'Button title length invalid. Min length: 1, Max length: 20; got 33',
    });
    expect(refusal(buttons([{ id: 'a', title: 'One' }, { id: 'a', title: 'Two' }])).details).toContain('Duplicate button id');
    const noBody = { ...buttons([{ id: 'a', title: 'A' }]), interactive: { type: 'button', action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] } } };
    expect(refusal(noBody)).toMatchObject({ code: 131008, details: "Parameter 'interactive.body' is required." });
  });

  it('checks lists: at most ten rows, titles of at most 24 characters, section titles when several', () => {
    expect(refusal(listMessage([{ rows: rows(11) }]))).toMatchObject({ code: 131009 });
    expect(refusal(listMessage([{ rows: [{ id: 'a', title: 'x'.repeat(25) }] }])).details).toContain('Row title length invalid');
    expect(refusal(listMessage([{ rows: rows(1) }, { rows: [{ id: 'b', title: 'B' }] }]))).toMatchObject({ code: 131008 });
  });

  it('checks templates and read receipts', () => {
    expect(refusal({ ...base, type: 'template', template: { language: { code: 'en' } } })).toMatchObject({ code: 131008 });
    expect(refusal({ ...base, type: 'template', template: { name: 'x', language: { code: 'en' }, components: [{ type: 'sidebar' }] } })).toMatchObject({ code: 131009 });
    expect(refusal({ messaging_product: 'whatsapp', status: 'read' })).toMatchObject({ code: 131008 });
    expect(refusal({ messaging_product: 'whatsapp', status: 'delivered', message_id: 'wamid.1' })).toMatchObject({ code: 100 });
  });
});

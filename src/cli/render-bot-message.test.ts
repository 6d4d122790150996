import { describe, expect, it } from 'vitest';
import { renderBotMessage } from './render-bot-message.js';

describe('renderBotMessage', () => {
  it('prints text, indenting further lines', () => {
    expect(renderBotMessage({ type: 'text', text: { body: 'Olá!\nComo posso ajudar?' } })).toEqual({ lines: ['bot: Olá!', '     Como posso ajudar?'], options: [] });
  });

  it('numbers reply buttons', () => {
    const rendered = renderBotMessage({
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Order review' },
        body: { text: 'ORD-1: 1 × Box B' },
        footer: { text: 'Switchboard' },
        action: { buttons: [{ type: 'reply', reply: { id: 'sb:approve', title: 'Approve' } }, { type: 'reply', reply: { id: 'sb:reject', title: 'Reject' } }] },
      },
    });
    expect(rendered.lines).toEqual(['bot: Order review', '     ORD-1: 1 × Box B', '     [1] Approve', '     [2] Reject', '     (Switchboard)']);
    expect(rendered.options).toEqual([
      { kind: 'button', id: 'sb:approve', title: 'Approve' },
      { kind: 'button', id: 'sb:reject', title: 'Reject' },
    ]);
  });

  it('numbers list rows across sections', () => {
    const rendered = renderBotMessage({
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Pick a size' },
        action: { button: 'Sizes', sections: [{ title: 'Small', rows: [{ id: 's', title: 'Small' }] }, { title: 'Big', rows: [{ id: 'l', title: 'Large', description: 'Serves 4' }] }] },
      },
    });
    expect(rendered.lines).toEqual(['bot: Pick a size', '     Sizes:', '     Small', '     [1] Small', '     Big', '     [2] Large — Serves 4']);
    expect(rendered.options[1]).toEqual({ kind: 'list', id: 'l', title: 'Large', description: 'Serves 4' });
  });

  it('prints templates, media and locations in brackets', () => {
    expect(renderBotMessage({ type: 'template', template: { name: 'reminder', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } }).lines).toEqual([
      'bot: [template reminder (en)] Ana',
    ]);
    expect(renderBotMessage({ type: 'image', image: { link: 'https://example.com/a.jpg', caption: 'Menu' } }).lines).toEqual(['bot: [image] Menu https://example.com/a.jpg']);
    expect(renderBotMessage({ type: 'location', location: { latitude: 1.5, longitude: 2, name: 'Clinic' } }).lines).toEqual(['bot: [location] Clinic (1.5, 2)']);
  });
});

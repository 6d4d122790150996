import { describe, expect, it } from 'vitest';
import { toChatHistory } from './to-chat-history.js';

describe('toChatHistory', () => {
  it('ends with an empty model response to generate after a user message', () => {
    expect(toChatHistory('Be brief.', [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'slots?' }], { parallelCalls: true })).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'hi' },
      { type: 'model', response: ['hello'] },
      { type: 'user', text: 'slots?' },
      { type: 'model', response: [] },
    ]);
  });

  it('puts the tool steps of a turn in one model response, each call with its result, to be continued', () => {
    const history = toChatHistory(
      'Book things.',
      [
        { role: 'user', content: 'book me' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'find_slots', input: {} }, { id: 'c2', name: 'update_lead', input: { name: 'Ana' } }] },
        {
          role: 'tool',
          results: [
            { callId: 'c2', name: 'update_lead', output: 'bad name', isError: true },
            { callId: 'c1', name: 'find_slots', output: { slots: ['10:00'] }, isError: false },
          ],
        },
        { role: 'assistant', content: 'Holding it.', toolCalls: [{ id: 'c3', name: 'book_appointment', input: { slot: '10:00' } }] },
        { role: 'tool', results: [{ callId: 'c3', name: 'book_appointment', output: { held: true }, isError: false }] },
      ],
      { parallelCalls: true },
    );
    expect(history).toEqual([
      { type: 'system', text: 'Book things.' },
      { type: 'user', text: 'book me' },
      {
        type: 'model',
        response: [
          { type: 'functionCall', name: 'find_slots', params: {}, result: { slots: ['10:00'] }, startsNewChunk: true },
          { type: 'functionCall', name: 'update_lead', params: { name: 'Ana' }, result: { error: 'bad name' } },
          'Holding it.',
          { type: 'functionCall', name: 'book_appointment', params: { slot: '10:00' }, result: { held: true }, startsNewChunk: true },
        ],
      },
    ]);
  });
});

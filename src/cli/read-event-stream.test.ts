import { describe, expect, it } from 'vitest';
import { readEventStream, type ServerSentEvent } from './read-event-stream.js';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(stream: AsyncIterable<ServerSentEvent>): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('readEventStream', () => {
  it('parses named events split across chunks, skips comments, joins data lines', async () => {
    const events = await collect(
      readEventStream(chunks('id: 1\nevent: re', 'ady\ndata: {"a":1}\n\n: keep-alive\n\n', 'data: line one\r\ndata: line two\r\n\r\nevent: sandbox.message\ndata: {"é":"ü"}\n\n')),
    );
    expect(events).toEqual([
      { event: 'ready', data: '{"a":1}', id: '1' },
      { event: 'message', data: 'line one\nline two', id: '1' },
      { event: 'sandbox.message', data: '{"é":"ü"}', id: '1' },
    ]);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: olá\n\n');
    async function* split() {
      yield bytes.slice(0, 8);
      yield bytes.slice(8);
    }
    expect((await collect(readEventStream(split())))[0]!.data).toBe('olá');
  });
});

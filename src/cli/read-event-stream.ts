/** One server-sent event: its `event:` name (default `message`) and its `data:` lines joined by newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Parses a `text/event-stream` body into events as they arrive (the subset of the SSE format servers use:
 * `event:`, `data:`, `id:`, comments, LF or CRLF line ends). Ends when the body ends.
 */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffered = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | null = null;
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n'), id };
        event = 'message';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment: keep-alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  }
}

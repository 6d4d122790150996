import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchboardError } from '../shared/errors.js';
import { readEventStream } from './read-event-stream.js';
import { renderBotMessage, type ChatOption } from './render-bot-message.js';
import { describeNetworkError } from '../shared/describe-network-error.js';

export interface ChatOptions {
  tenantId: string;
  /** The customer's number, digits with the country code. */
  from: string;
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  token: string | undefined;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** A person at a terminal: no waiting between lines, a prompt. Otherwise (piped input) each line waits for its replies. */
  interactive: boolean;
  /** The longest wait for the bot's replies to one message with piped input, and after the last line; ms. */
  waitMs: number;
  /** Replies are complete once none came for this long; ms, default 1000. */
  quietMs?: number;
}

interface SandboxMessageEvent {
  type: 'sandbox.message';
  waMessageId: string;
  body: Record<string, unknown>;
}

/**
 * `switchboard chat`: the simulator in a terminal. Each line goes through `POST /admin/simulator/messages`
 * (the real signed webhook path); the bot's messages arrive on `GET /admin/simulator/stream` and are printed,
 * reply buttons and list rows numbered so that typing the number presses them. Ends at the end of the input.
 */
export async function runChat(options: ChatOptions): Promise<void> {
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const from = options.from.replace(/[\s()+-]/g, '');
  const quietMs = options.quietMs ?? 1000;
  const print = (line: string) => options.output.write(`${line}\n`);

  const stopping = new AbortController();
  const query = new URLSearchParams({ tenantId: options.tenantId, user: from });
  let response: Response;
  try {
    response = await fetch(`${base}/admin/simulator/stream?${query.toString()}`, { headers, signal: stopping.signal });
  } catch (error) {
    throw new SwitchboardError({
      code: 'CHAT_CONNECT_FAILED',
      message: `cannot reach ${base}: ${describeNetworkError(error)}; is the server running (npm start), and is --url right?`,
      cause: error,
    });
  }
  if (!response.ok || !response.body) throw await refused(response, 'the stream');

  // What the bot offered last: typing its number presses it.
  let offered: ChatOption[] = [];
  let repliesSinceSend = 0;
  let lastReplyAt = 0;
  let streamEnded = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const events = (async () => {
    try {
      for await (const event of readEventStream(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (event.event === 'ready') markReady();
        if (event.event !== 'sandbox.message') continue;
        const message = JSON.parse(event.data) as SandboxMessageEvent;
        const rendered = renderBotMessage(message.body);
        for (const line of rendered.lines) print(line);
        if (rendered.options.length > 0) offered = rendered.options;
        repliesSinceSend += 1;
        lastReplyAt = Date.now();
      }
    } catch (error) {
      if (!stopping.signal.aborted) options.errors.write(`! the stream broke: ${describeNetworkError(error)}\n`);
    } finally {
      streamEnded = true;
      markReady();
    }
  })();
  await ready;
  if (streamEnded) throw new SwitchboardError({ code: 'CHAT_CONNECT_FAILED', message: `${base} closed the stream before it was ready` });

  /** Until the replies to the last message are in (one came, then quiet), or waitMs passed. */
  const waitForReplies = async () => {
    const deadline = Date.now() + options.waitMs;
    while (Date.now() < deadline && !streamEnded) {
      if (repliesSinceSend > 0 && Date.now() - lastReplyAt >= quietMs) return;
      await sleep(50);
    }
  };

  // Printed once the stream is open: from here on nothing the bot sends is missed.
  print(`chatting with ${options.tenantId} as +${from}: type a message, a number to press a button; Ctrl-D quits`);
  const lines = createInterface({ input: options.input, terminal: false });
  let sentSinceWait = false;
  try {
    for await (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      if (!options.interactive) {
        if (sentSinceWait) await waitForReplies();
        print(`you: ${line}`);
      }
      const chosen = /^\d+$/.test(line) ? offered[Number(line) - 1] : undefined;
      const body = chosen
        ? { tenantId: options.tenantId, from, [chosen.kind]: { id: chosen.id, title: chosen.title } }
        : { tenantId: options.tenantId, from, text: line };
      if (chosen && options.interactive) print(`(pressed "${chosen.title}")`);
      repliesSinceSend = 0;
      sentSinceWait = true;
      let answer: Response;
      try {
        answer = await fetch(`${base}/admin/simulator/messages`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      } catch (error) {
        options.errors.write(`! not sent: ${describeNetworkError(error)}\n`);
        continue;
      }
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) throw await refused(answer, 'the message');
      if (!answer.ok) options.errors.write(`! not sent: ${(await refused(answer, 'the message')).message}\n`);
    }
    if (sentSinceWait) await waitForReplies();
  } finally {
    lines.close();
    stopping.abort();
    await events;
  }
}

async function refused(response: Response, what: string): Promise<SwitchboardError> {
  const text = await response.text().catch(() => '');
  let detail = text.slice(0, 300);
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof json.message === 'string') detail = `${typeof json.error === 'string' ? `${json.error}: ` : ''}${json.message}`;
  } catch {
    // not JSON: keep the text
  }
  const hint = response.status === 401 ? ' (pass --token, or set ADMIN_TOKEN; a sandbox server prints its token at start-up)' : '';
  return new SwitchboardError({ code: 'CHAT_CONNECT_FAILED', message: `the server refused ${what} with ${response.status}: ${detail}${hint}` });
}


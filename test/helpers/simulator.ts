// The simulator's endpoints as a test sees them: post as a customer, follow the bot's messages on the SSE stream.
import { readEventStream } from '../../src/cli/read-event-stream.js';
import { ADMIN_TOKEN } from './switchboard.js';

/** A `sandbox.message` event as the stream delivers it. */
export interface SandboxMessageEvent {
  type: 'sandbox.message';
  tenantId: string;
  userId: string;
  phoneNumberId: string;
  waMessageId: string;
  body: Record<string, any>;
  at: number;
}

export interface SimulatorStream {
  /** Every `sandbox.message` received so far, oldest first. */
  messages: SandboxMessageEvent[];
  /** The first message (received or to come) matching `match` that no earlier `next` call returned. */
  next(match?: (message: SandboxMessageEvent) => boolean, timeoutMs?: number): Promise<SandboxMessageEvent>;
  close(): void;
}

/**
 * Opens `GET /admin/simulator/stream` for one conversation and resolves once the server said `ready`.
 * The token travels as `access_token`, as a browser's EventSource sends it.
 */
export async function openSimulatorStream(baseUrl: string, tenantId: string, user: string, token = ADMIN_TOKEN): Promise<SimulatorStream> {
  const controller = new AbortController();
  const query = new URLSearchParams({ tenantId, user, access_token: token });
  const response = await fetch(`${baseUrl}/admin/simulator/stream?${query.toString()}`, { signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`simulator stream: ${response.status} ${await response.text()}`);
  const messages: SandboxMessageEvent[] = [];
  const taken = new Set<SandboxMessageEvent>();
  const wakers = new Set<() => void>();
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  void (async () => {
    try {
      for await (const event of readEventStream(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (event.event === 'ready') signalReady();
        if (event.event !== 'sandbox.message') continue;
        messages.push(JSON.parse(event.data) as SandboxMessageEvent);
        for (const wake of wakers) wake();
      }
    } catch {
      // aborted by close()
    }
  })();
  await ready;
  return {
    messages,
    next(match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((message) => !taken.has(message) && match(message));
          if (!found) return false;
          taken.add(found);
          wakers.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(new Error(`simulator stream: no matching sandbox.message within ${timeoutMs} ms; received ${JSON.stringify(messages.map((message) => message.body))}`));
        }, timeoutMs);
        if (!check()) wakers.add(check);
      });
    },
    close: () => controller.abort(),
  };
}

/** `POST /admin/simulator/messages` with the admin token; returns the status and the JSON answer. */
export async function postAsCustomer(baseUrl: string, body: Record<string, unknown>, token: string | null = ADMIN_TOKEN): Promise<{ status: number; json: any }> {
  const response = await fetch(`${baseUrl}/admin/simulator/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** The interactive reply buttons of a Graph message body. */
export function buttonsOf(body: Record<string, any>): Array<{ id: string; title: string }> {
  return (body['interactive']?.action?.buttons ?? []).map((button: { reply: { id: string; title: string } }) => button.reply);
}

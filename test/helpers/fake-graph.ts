// A fake WhatsApp Cloud API (Graph) on loopback: records what Switchboard sends and answers like Meta does.
// It also runs under benchmarks at thousands of requests per second, so the request path stays allocation-light.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The JSON body of `POST /{version}/{phone_number_id}/messages`; only the fields tests usually read are typed. */
export interface GraphMessageBody {
  messaging_product?: string;
  recipient_type?: string;
  to?: string;
  recipient?: string;
  type?: string;
  text?: { body: string; preview_url?: boolean };
  context?: { message_id: string };
  status?: string;
  message_id?: string;
  [key: string]: unknown;
}

/** One request as the fake received it. `at` is the arrival time in epoch milliseconds. */
export interface RecordedRequest {
  phoneNumberId: string;
  /** The raw `Authorization` header (`Bearer <token>`), or undefined when absent. */
  authorization: string | undefined;
  body: GraphMessageBody;
  at: number;
}

/** A message send the fake accepted (HTTP 200). `to`, `text` and `waMessageId` are shortcuts into body/response. */
export interface RecordedSend extends RecordedRequest {
  to: string | undefined;
  /** `body.text.body` for text sends. */
  text: string | undefined;
  /** The id the fake answered with (`wamid.fake.<n>`), to build status webhooks for it. */
  waMessageId: string;
}

/** Any request, including failed ones, with what the fake answered (`status` 0 = connection dropped). */
export interface RecordedAttempt extends RecordedRequest {
  kind: 'send' | 'read' | 'invalid';
  status: number;
}

/** What an injected failure answers: an HTTP status with a body (default: a Graph error), or a dropped connection. */
export type GraphFailure = { status: number; body?: unknown } | { drop: true };

export interface FakeGraph {
  /** Base url such as `http://127.0.0.1:PORT` (no trailing slash, no version). */
  url: string;
  /** Accepted message sends, oldest first (read receipts and failed attempts excluded). */
  sends: RecordedSend[];
  /** Accepted read receipts / typing indicators (`status: 'read'`). */
  reads: RecordedRequest[];
  /** Every request received, including failed and invalid ones. */
  attempts: RecordedAttempt[];
  /** Resolves with the oldest send not yet returned by nextSend; rejects after timeoutMs (default 5000). */
  nextSend(timeoutMs?: number): Promise<RecordedSend>;
  /** Resolves with a copy of `sends` once at least `count` sends were accepted in total (default timeout 5000 ms). */
  waitForSends(count: number, timeoutMs?: number): Promise<RecordedSend[]>;
  /** The next `times` message sends (not reads) get `response` instead of success; calls queue up in order. */
  failNext(times: number, response: GraphFailure): void;
  /** Delay, in milliseconds, before every answer from now on. */
  setLatency(ms: number): void;
  /** Forgets recorded requests and queued failures (benchmarks between runs); ids keep counting. */
  reset(): void;
  /** Stops listening and drops open connections; pending nextSend/waitForSends calls reject. */
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/[^/]+\/([^/]+)\/messages\/?$/; // /{version}/{phone_number_id}/messages

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Starts the fake Graph API on 127.0.0.1 with a random port. `latencyMs` delays every answer (default 0). */
export async function startFakeGraph(options: { latencyMs?: number } = {}): Promise<FakeGraph> {
  let latencyMs = options.latencyMs ?? 0;
  let sequence = 0;
  let consumed = 0; // sends[0..consumed) were already handed out by nextSend
  let closed = false;
  const sends: RecordedSend[] = [];
  const reads: RecordedRequest[] = [];
  const attempts: RecordedAttempt[] = [];
  const failures: GraphFailure[] = [];
  const nextSendWaiters: Waiter[] = [];
  const countWaiters: Array<Waiter & { count: number }> = [];
  const timers = new Set<NodeJS.Timeout>();

  function describe(): string {
    const failed = attempts.filter((attempt) => attempt.status !== 200).length;
    return `${sends.length} sends accepted, ${consumed} already taken by nextSend, ${reads.length} read receipts, ${failed} failed or invalid attempts`;
  }

  function onSendRecorded(): void {
    while (nextSendWaiters.length > 0 && consumed < sends.length) {
      nextSendWaiters.shift()!.resolve();
    }
    for (let index = countWaiters.length - 1; index >= 0; index--) {
      if (sends.length >= countWaiters[index]!.count) countWaiters.splice(index, 1)[0]!.resolve();
    }
  }

  function answer(response: http.ServerResponse, status: number, json: unknown): void {
    const text = JSON.stringify(json);
    const write = () => {
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    later(write);
  }

  function later(action: () => void): void {
    if (latencyMs <= 0) return action();
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, latencyMs);
    timers.add(timer);
  }

  function handle(request: http.IncomingMessage, response: http.ServerResponse, raw: string): void {
    const match = request.method === 'POST' ? MESSAGES_PATH.exec(request.url ?? '') : null;
    if (!match) {
      return answer(response, 404, graphError(100, `fake graph: no route for ${request.method} ${request.url}; only POST /{version}/{phone_number_id}/messages exists`));
    }
    const base = { phoneNumberId: decodeURIComponent(match[1]!), authorization: request.headers.authorization, at: Date.now() };
    let body: GraphMessageBody;
    try {
      body = JSON.parse(raw) as GraphMessageBody;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      attempts.push({ ...base, body: { raw } as GraphMessageBody, kind: 'invalid', status: 400 });
      return answer(response, 400, graphError(100, 'fake graph: request body is not a JSON object'));
    }
    const record = { ...base, body };

    if (body.status === 'read') {
      attempts.push({ ...record, kind: 'read', status: 200 });
      reads.push(record);
      return answer(response, 200, { success: true });
    }
    if (typeof body.type !== 'string') {
      attempts.push({ ...record, kind: 'invalid', status: 400 });
      return answer(response, 400, graphError(100, 'fake graph: body has neither `type` (a send) nor `status: "read"`'));
    }

    const failure = failures.shift();
    if (failure) {
      if ('drop' in failure) {
        attempts.push({ ...record, kind: 'send', status: 0 });
        return later(() => request.socket.destroy());
      }
      attempts.push({ ...record, kind: 'send', status: failure.status });
      return answer(response, failure.status, failure.body ?? defaultFailureBody(failure.status));
    }

    const waMessageId = `wamid.fake.${++sequence}`;
    const input = body.to ?? body.recipient;
    attempts.push({ ...record, kind: 'send', status: 200 });
    sends.push({ ...record, to: body.to, text: body.text?.body, waMessageId });
    onSendRecorded();
    answer(response, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input, wa_id: typeof input === 'string' ? input.replace(/\D/g, '') : input }],
      messages: [{ id: waMessageId }],
    });
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      handle(request, response, raw);
    });
  });
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    sends,
    reads,
    attempts,

    nextSend(timeoutMs = 5000) {
      return new Promise<RecordedSend>((resolve, reject) => {
        const take = () => resolve(sends[consumed++]!);
        if (consumed < sends.length) return take();
        if (closed) return reject(new Error('fake graph: nextSend() called after close()'));
        const waiter: Waiter = {
          resolve: () => {
            clearTimeout(waiter.timer);
            take();
          },
          reject,
          timer: setTimeout(() => {
            nextSendWaiters.splice(nextSendWaiters.indexOf(waiter), 1);
            reject(new Error(`fake graph: no new message send within ${timeoutMs} ms (${describe()})`));
          }, timeoutMs),
        };
        nextSendWaiters.push(waiter);
      });
    },

    waitForSends(count, timeoutMs = 5000) {
      return new Promise<RecordedSend[]>((resolve, reject) => {
        if (sends.length >= count) return resolve(sends.slice());
        if (closed) return reject(new Error('fake graph: waitForSends() called after close()'));
        const waiter: Waiter & { count: number } = {
          count,
          resolve: () => {
            clearTimeout(waiter.timer);
            resolve(sends.slice());
          },
          reject,
          timer: setTimeout(() => {
            countWaiters.splice(countWaiters.indexOf(waiter), 1);
            reject(new Error(`fake graph: expected at least ${count} message sends within ${timeoutMs} ms (${describe()})`));
          }, timeoutMs),
        };
        countWaiters.push(waiter);
      });
    },

    failNext(times, response) {
      for (let index = 0; index < times; index++) failures.push(response);
    },

    setLatency(ms) {
      latencyMs = ms;
    },

    reset() {
      sends.length = 0;
      reads.length = 0;
      attempts.length = 0;
      failures.length = 0;
      consumed = 0;
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const waiter of [...nextSendWaiters.splice(0), ...countWaiters.splice(0)]) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`fake graph: closed while waiting for message sends (${describe()})`));
      }
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}

function graphError(code: number, message: string) {
  return { error: { message, type: 'OAuthException', code, fbtrace_id: 'FAKE_TRACE' } };
}

// Mirrors what Meta answers for generic trouble, so classification code sees realistic codes by default.
function defaultFailureBody(status: number) {
  if (status === 429) return graphError(130429, '(#130429) Rate limit hit');
  if (status === 401) return graphError(190, 'Error validating access token');
  if (status >= 500) return graphError(131000, '(#131000) Something went wrong');
  return graphError(100, '(#100) Invalid parameter');
}

// A fake business system (CRM, calendar, ERP) on loopback: records what Switchboard sends, checks the signature
// as a real receiver should, and answers what the test asks for.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifyPayloadSignature } from '../../src/actions/integrations/sign-payload.js';

/** One request as the fake received it. */
export interface RecordedIntegrationRequest {
  method: string;
  /** The path without the query string, e.g. `/api/leads`. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The parsed JSON body; null when the body is empty, the raw text when it is not JSON. */
  body: unknown;
  rawBody: string;
  /** SIGNATURE_HEADER matched the raw body with the fake's secret, within 300 s of the real clock. */
  signatureValid: boolean;
  idempotencyKey: string | null;
}

/** What a `respond` handler returns: the status and a body sent as JSON (none when undefined). */
export type FakeIntegrationAnswer = { status: number; body?: unknown };

export interface FakeIntegration {
  /** Base url such as `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** Every request, in arrival order, including failed ones. */
  requests: RecordedIntegrationRequest[];
  /** Requests whose answer was 2xx, de-duplicated by idempotency key (what a correct receiver would have stored). */
  accepted(): RecordedIntegrationRequest[];
  /** The next n requests get this status (default 500) with a JSON error body; calls queue up in order. */
  failNext(n: number, status?: number): void;
  /** Route answers: (request) => { status, body } | undefined (undefined → 200 with `{ ok: true, echo: body }`). */
  respond(handler: (request: RecordedIntegrationRequest) => FakeIntegrationAnswer | undefined): void;
  /** Resolves when at least n requests have been received (rejects after timeoutMs, default 5000, with a message listing what was received). */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedIntegrationRequest[]>;
  /** Stops listening and drops open connections; pending waitForRequests calls reject. */
  close(): Promise<void>;
}

interface Waiter {
  count: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Starts the fake on 127.0.0.1 with a random port. Order of answers: an injected failure (failNext), then 401 for
 * a missing or invalid signature (as a real receiver), then the respond handler, then 200 `{ ok: true, echo }`.
 */
export async function startFakeIntegration(options: { secret: string }): Promise<FakeIntegration> {
  const requests: RecordedIntegrationRequest[] = [];
  // The status each request got, kept beside the records so their shape stays what the receiver saw.
  const answered = new Map<RecordedIntegrationRequest, number>();
  const failures: number[] = [];
  const waiters: Waiter[] = [];
  let handler: ((request: RecordedIntegrationRequest) => FakeIntegrationAnswer | undefined) | undefined;
  let closed = false;

  function describe(): string {
    if (requests.length === 0) return 'nothing received';
    const lines = requests.map((request, index) => {
      const status = answered.get(request);
      const key = request.idempotencyKey === null ? '' : ` key=${request.idempotencyKey}`;
      return `  ${index + 1}. ${request.method} ${request.path} → ${status ?? 'no answer'}${request.signatureValid ? '' : ' (bad signature)'}${key}`;
    });
    return `received ${requests.length}:\n${lines.join('\n')}`;
  }

  function record(request: http.IncomingMessage, rawBody: string): RecordedIntegrationRequest {
    const url = new URL(request.url ?? '/', 'http://fake');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: parseBody(rawBody),
      rawBody,
      signatureValid: verifyPayloadSignature(options.secret, headers[SIGNATURE_HEADER], rawBody, Math.floor(Date.now() / 1000)),
      idempotencyKey: headers['idempotency-key'] ?? null,
    };
  }

  function decide(recorded: RecordedIntegrationRequest): FakeIntegrationAnswer {
    const failure = failures.shift();
    if (failure !== undefined) {
      return { status: failure, body: { error: { code: 'FAKE_FAILURE', message: `fake integration: injected ${failure}` } } };
    }
    if (!recorded.signatureValid) {
      return { status: 401, body: { error: { code: 'SIGNATURE_INVALID', message: `fake integration: missing or invalid ${SIGNATURE_HEADER}` } } };
    }
    return handler?.(recorded) ?? { status: 200, body: { ok: true, echo: recorded.body } };
  }

  function onRecorded(): void {
    for (let index = waiters.length - 1; index >= 0; index--) {
      if (requests.length >= waiters[index]!.count) waiters.splice(index, 1)[0]!.resolve();
    }
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = record(request, Buffer.concat(chunks).toString('utf8'));
      requests.push(recorded);
      let answer: FakeIntegrationAnswer;
      try {
        answer = decide(recorded);
      } catch (error) {
        answer = { status: 500, body: { error: { code: 'FAKE_HANDLER_THREW', message: String(error) } } };
      }
      answered.set(recorded, answer.status);
      onRecorded();
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      response.writeHead(answer.status, {
        ...(text === '' ? {} : { 'content-type': 'application/json' }),
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,

    accepted() {
      const seenKeys = new Set<string>();
      return requests.filter((request) => {
        const status = answered.get(request) ?? 0;
        if (status < 200 || status > 299) return false;
        if (request.idempotencyKey === null) return true;
        if (seenKeys.has(request.idempotencyKey)) return false;
        seenKeys.add(request.idempotencyKey);
        return true;
      });
    },

    failNext(n, status = 500) {
      for (let index = 0; index < n; index++) failures.push(status);
    },

    respond(next) {
      handler = next;
    },

    waitForRequests(n, timeoutMs = 5000) {
      return new Promise<RecordedIntegrationRequest[]>((resolve, reject) => {
        if (requests.length >= n) return resolve(requests.slice());
        if (closed) return reject(new Error(`fake integration: waitForRequests(${n}) called after close(); ${describe()}`));
        const waiter: Waiter = {
          count: n,
          resolve: () => {
            clearTimeout(waiter.timer);
            resolve(requests.slice());
          },
          reject,
          timer: setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            reject(new Error(`fake integration: expected at least ${n} requests within ${timeoutMs} ms; ${describe()}`));
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const waiter of waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`fake integration: closed while waiting for ${waiter.count} requests; ${describe()}`));
      }
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}

function parseBody(rawBody: string): unknown {
  if (rawBody === '') return null;
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    return rawBody;
  }
}

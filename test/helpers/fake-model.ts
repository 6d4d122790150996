// A fake OpenAI-compatible chat completions server on loopback: records requests and answers
// (streaming or not) in OpenAI's wire format, with injectable latency, failures and hangs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ChatMessage {
  role: string; // system | developer | user | assistant | tool
  content?: string | ChatContentPart[] | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  [key: string]: unknown;
}

/** The JSON body of `POST /v1/chat/completions`; only the fields the fake reads are typed. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  tools?: unknown[];
  [key: string]: unknown;
}

/** A tool call the fake should answer with; `arguments` is serialised to the JSON string OpenAI sends. */
export interface ToolCallReply {
  name: string;
  arguments: object;
}

/** What a reply function returns besides a plain string: text, or tool calls (finish_reason `tool_calls`). */
export type ModelReply = { content: string } | { toolCalls: ToolCallReply[]; content?: string };

export type ReplyFunction = (request: ChatRequest) => string | ModelReply | Promise<string | ModelReply>;

/** One request as received. `at` is the arrival time in epoch milliseconds. */
export interface RecordedModelRequest {
  body: ChatRequest;
  /** The raw `Authorization` header (`Bearer <key>`), or undefined when absent. */
  authorization: string | undefined;
  at: number;
  path: string;
}

export interface FakeModel {
  /** Base url including `/v1`, e.g. `http://127.0.0.1:PORT/v1` (what OpenAI clients call `baseURL`). */
  url: string;
  /** Every well-formed request received, including failed and hung ones. */
  requests: RecordedModelRequest[];
  /** Delay, in milliseconds, before every answer from now on. */
  setLatency(ms: number): void;
  /** Replaces the reply function (default: `echo: <last user text>`). */
  setReply(reply: ReplyFunction): void;
  /** The next `times` requests get an OpenAI error with HTTP `status` (default 500); calls queue up in order. */
  failNext(times: number, status?: number): void;
  /** While on, requests are recorded but not answered; turning it off answers the held ones normally. */
  hang(on: boolean): void;
  /** Stops listening and destroys every connection, including hung ones. */
  close(): Promise<void>;
}

/** The text of the last `user` message (string content, or its text parts joined by newlines); '' when none. */
export function lastUserText(request: ChatRequest | RecordedModelRequest): string {
  const body = 'messages' in request ? request : request.body;
  for (let index = body.messages.length - 1; index >= 0; index--) {
    const message = body.messages[index]!;
    if (message.role === 'user') return contentText(message.content);
  }
  return '';
}

const defaultReply: ReplyFunction = (request) => `echo: ${lastUserText(request)}`;

/** Starts the fake model on 127.0.0.1 with a random port. `reply` defaults to echoing the last user message. */
export async function startFakeModel(options: { latencyMs?: number; reply?: ReplyFunction } = {}): Promise<FakeModel> {
  let latencyMs = options.latencyMs ?? 0;
  let reply = options.reply ?? defaultReply;
  let hanging = false;
  let completionSequence = 0;
  let toolCallSequence = 0;
  const requests: RecordedModelRequest[] = [];
  const failures: number[] = [];
  const held: Array<() => void> = [];
  const timers = new Set<NodeJS.Timeout>();

  function sendJson(response: http.ServerResponse, status: number, json: unknown): void {
    if (response.destroyed) return;
    const text = JSON.stringify(json);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  }

  async function complete(body: ChatRequest, response: http.ServerResponse): Promise<void> {
    const failure = failures.shift();
    if (failure !== undefined) return sendJson(response, failure, openAiError(failure));

    let result: string | ModelReply;
    try {
      result = await reply(body);
    } catch (error) {
      return sendJson(response, 500, {
        error: { message: `fake model: reply function threw: ${(error as Error).message}`, type: 'server_error', param: null, code: null },
      });
    }
    const normalized: ModelReply = typeof result === 'string' ? { content: result } : result;
    const id = `chatcmpl-${++completionSequence}`;
    const created = Math.floor(Date.now() / 1000);
    const toolCalls =
      'toolCalls' in normalized
        ? normalized.toolCalls.map((call) => ({
            id: `call_${++toolCallSequence}`,
            type: 'function' as const,
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          }))
        : undefined;
    const content = normalized.content ?? null;
    const finishReason = toolCalls ? 'tool_calls' : 'stop';
    const promptTokens = countPromptTokens(body);
    const completionTokens =
      countWords(content ?? '') + (toolCalls ?? []).reduce((sum, call) => sum + Math.max(1, countWords(call.function.arguments)), 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };

    if (body.stream !== true) {
      const message: Record<string, unknown> = { role: 'assistant', content };
      if (toolCalls) message.tool_calls = toolCalls;
      return sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage,
      });
    }

    if (response.destroyed) return;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const includeUsage = body.stream_options?.include_usage === true;
    // With include_usage every chunk carries `usage: null` and one extra chunk with empty choices carries the totals.
    const chunk = (delta: Record<string, unknown>, finish: string | null) => {
      const data: Record<string, unknown> = {
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      };
      if (includeUsage) data.usage = null;
      response.write(`data: ${JSON.stringify(data)}\n\n`);
    };

    if (toolCalls) {
      chunk({ role: 'assistant', content: content === null ? null : '' }, null);
      if (content) for (const piece of splitForStreaming(content)) chunk({ content: piece }, null);
      toolCalls.forEach((call, index) => {
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null);
        for (const piece of splitArguments(call.function.arguments)) {
          chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null);
        }
      });
    } else {
      chunk({ role: 'assistant', content: '' }, null);
      for (const piece of splitForStreaming(content ?? '')) chunk({ content: piece }, null);
    }
    chunk({}, finishReason);
    if (includeUsage) {
      response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
    }
    response.end('data: [DONE]\n\n');
  }

  function answerLater(body: ChatRequest, response: http.ServerResponse): void {
    const run = () => {
      if (response.destroyed) return;
      complete(body, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: { message: String(error), type: 'server_error', param: null, code: null } });
        else response.destroy();
      });
    };
    if (latencyMs <= 0) return run();
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, latencyMs);
    timers.add(timer);
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0]!;
      if (request.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions')) {
        return sendJson(response, 404, {
          error: { message: `fake model: no route for ${request.method} ${path}; use POST /v1/chat/completions`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
        });
      }
      let body: ChatRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
        if (typeof body !== 'object' || body === null || !Array.isArray(body.messages)) throw new Error('no messages');
      } catch {
        return sendJson(response, 400, {
          error: { message: 'fake model: body must be a JSON object with a `messages` array', type: 'invalid_request_error', param: null, code: null },
        });
      }
      requests.push({ body, authorization: request.headers.authorization, at: Date.now(), path });
      if (hanging) {
        held.push(() => answerLater(body, response));
        return;
      }
      answerLater(body, response);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    setLatency(ms) {
      latencyMs = ms;
    },
    setReply(next) {
      reply = next;
    },
    failNext(times, status = 500) {
      for (let index = 0; index < times; index++) failures.push(status);
    },
    hang(on) {
      hanging = on;
      if (!on) for (const release of held.splice(0)) release();
    },
    async close() {
      hanging = false;
      held.length = 0;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (!server.listening) return;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // hung requests would otherwise keep close() waiting forever
      await stopped;
    },
  };
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

// Tokens are counted roughly as words: enough for usage accounting tests, no tokenizer needed.
function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

function countPromptTokens(body: ChatRequest): number {
  let total = 0;
  for (const message of body.messages) {
    total += countWords(contentText(message.content));
    for (const call of message.tool_calls ?? []) total += countWords(call.function.arguments);
  }
  return total;
}

/** Splits after each whitespace run so the pieces concatenate back to exactly `text`. */
function splitForStreaming(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

function splitArguments(json: string): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < json.length; index += 16) pieces.push(json.slice(index, index + 16));
  return pieces.length > 0 ? pieces : [''];
}

function openAiError(status: number) {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message: `fake model: injected failure (HTTP ${status})`, type, param: null, code: null } };
}

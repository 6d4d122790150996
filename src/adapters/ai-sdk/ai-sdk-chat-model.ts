import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, type JSONValue, type LanguageModelV3, type LanguageModelV3Message, type LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, ModelSettings, ToolCall } from '../../ports/chat-model.js';
import { SwitchboardError } from '../../shared/errors.js';
import { createRequestFetch } from './request-fetch.js';

/** Provider credentials that may come from the environment when a tenant file sets none. */
export interface ProviderEnvironment {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  ANTHROPIC_API_KEY?: string | undefined;
  ANTHROPIC_BASE_URL?: string | undefined;
}

const MAX_ATTEMPTS = 2;

/**
 * The AI SDK's providers behind the ChatModel port: OpenAI, Anthropic and any OpenAI-compatible
 * server, called through their LanguageModelV3 interface (see docs/decisions: generateText's
 * orchestration cost more CPU than the provider call itself, and the tool loop will be ours).
 */
export class AiSdkChatModel implements ChatModel {
  private readonly models = new Map<string, LanguageModelV3>();

  private readonly fetchImpl: typeof fetch;

  constructor(
    private readonly env: ProviderEnvironment,
    fetchImpl?: typeof fetch,
  ) {
    this.fetchImpl = fetchImpl ?? createRequestFetch();
  }

  credentialsProblem(settings: ModelSettings): string | null {
    switch (settings.provider) {
      case 'openai':
        return settings.apiKey || this.env.OPENAI_API_KEY ? null : 'no OpenAI key: set ai.api_key or OPENAI_API_KEY';
      case 'anthropic':
        return settings.apiKey || this.env.ANTHROPIC_API_KEY ? null : 'no Anthropic key: set ai.api_key or ANTHROPIC_API_KEY';
      case 'openai-compatible':
        return settings.baseUrl ? null : 'no server: set ai.base_url (e.g. http://127.0.0.1:11434/v1)';
      case 'local':
        return 'the AI SDK does not run local models (RouteChatModel sends them to LlamaChatModel)';
      default:
        return assertNever(settings.provider);
    }
  }

  async reply(request: ChatRequest): Promise<ChatResult> {
    const { settings } = request;
    const problem = this.credentialsProblem(settings);
    if (problem) throw new SwitchboardError({ code: 'MODEL_CREDENTIALS_MISSING', message: `${request.tenantId}: ${problem}` });
    const model = this.modelFor(request.tenantId, settings);
    const prompt: LanguageModelV3Prompt = [{ role: 'system', content: request.system }, ...request.messages.map(toPromptMessage)];
    const tools = request.tools?.length
      ? request.tools.map((tool) => ({ type: 'function' as const, name: tool.name, description: tool.description, inputSchema: tool.inputSchema }))
      : undefined;
    const abortSignal = request.abortSignal ?? AbortSignal.timeout(settings.timeoutMs);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await model.doGenerate({
          prompt,
          temperature: settings.temperature,
          maxOutputTokens: settings.maxTokens,
          abortSignal,
          ...(tools ? { tools, toolChoice: { type: request.toolChoice ?? 'auto' } } : {}),
        });
        let text = '';
        const toolCalls: ToolCall[] = [];
        for (const part of result.content) {
          if (part.type === 'text') text += part.text;
          else if (part.type === 'tool-call' && !part.providerExecuted) toolCalls.push({ id: part.toolCallId, name: part.toolName, input: parseToolInput(part.input) });
        }
        text = text.trim();
        if (text === '' && toolCalls.length === 0) {
          throw new SwitchboardError({ code: 'MODEL_REPLY_EMPTY', message: `${request.tenantId}: the model returned no text`, retryable: true });
        }
        return { text, toolCalls, inputTokens: result.usage.inputTokens.total ?? 0, outputTokens: result.usage.outputTokens.total ?? 0 };
      } catch (error) {
        if (error instanceof SwitchboardError) throw error;
        // One more try for what the provider marks retryable (429, 5xx), within the same deadline.
        if (attempt < MAX_ATTEMPTS && APICallError.isInstance(error) && error.isRetryable && !abortSignal.aborted) continue;
        const timedOut = abortSignal.aborted || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
        throw new SwitchboardError({
          code: timedOut ? 'MODEL_TIMEOUT' : 'MODEL_CALL_FAILED',
          message: timedOut
            ? `${request.tenantId}: the model did not answer within ${settings.timeoutMs} ms`
            : `${request.tenantId}: the model call failed: ${error instanceof Error ? error.message : String(error)}`,
          retryable: true,
          cause: error,
        });
      }
    }
  }

  /** Providers are created once per tenant: they hold connection pools and parsed settings. */
  private modelFor(tenantId: string, settings: ModelSettings): LanguageModelV3 {
    const cacheKey = `${tenantId}\u0000${settings.provider}\u0000${settings.model}\u0000${settings.baseUrl ?? ''}`;
    let model = this.models.get(cacheKey);
    if (model) return model;
    const fetchOption = { fetch: this.fetchImpl };
    switch (settings.provider) {
      case 'openai': {
        const provider = createOpenAI({
          apiKey: settings.apiKey ?? this.env.OPENAI_API_KEY,
          baseURL: settings.baseUrl ?? this.env.OPENAI_BASE_URL,
          ...fetchOption,
        });
        model = provider.chat(settings.model);
        break;
      }
      case 'anthropic': {
        const provider = createAnthropic({
          apiKey: settings.apiKey ?? this.env.ANTHROPIC_API_KEY,
          baseURL: settings.baseUrl ?? this.env.ANTHROPIC_BASE_URL,
          ...fetchOption,
        });
        model = provider(settings.model);
        break;
      }
      case 'openai-compatible': {
        const provider = createOpenAICompatible({
          name: 'openai-compatible',
          baseURL: settings.baseUrl!,
          ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
          includeUsage: true,
          ...fetchOption,
        });
        model = provider.chatModel(settings.model);
        break;
      }
      case 'local':
        throw new Error('the AI SDK does not run local models');
      default:
        return assertNever(settings.provider);
    }
    this.models.set(cacheKey, model);
    return model;
  }
}

function toPromptMessage(message: ChatMessage): LanguageModelV3Message {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: message.content }] };
    case 'assistant':
      return {
        role: 'assistant',
        content: [
          ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
          ...(message.toolCalls ?? []).map((call) => ({ type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input: call.input })),
        ],
      };
    case 'tool':
      return {
        role: 'tool',
        content: message.results.map((result) => ({
          type: 'tool-result' as const,
          toolCallId: result.callId,
          toolName: result.name,
          output: result.isError ? { type: 'error-text' as const, value: String(result.output) } : { type: 'json' as const, value: (result.output ?? null) as JSONValue },
        })),
      };
    default:
      return assertNever(message);
  }
}

/** Providers hand tool input over as JSON text; text that is not JSON is kept, for the tool to reject clearly. */
function parseToolInput(input: string): unknown {
  try {
    return input.trim() === '' ? {} : JSON.parse(input);
  } catch {
    return input;
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

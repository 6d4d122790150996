import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatModelFunctions, GbnfJsonSchema, Llama, LlamaChat, LlamaContext, LlamaModel } from 'node-llama-cpp';
import type { ChatModel, ChatRequest, ChatResult, ModelSettings, ToolCall, ToolSpec } from '../../ports/chat-model.js';
import { SwitchboardError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { SequencePool } from './sequence-pool.js';
import { toChatHistory } from './to-chat-history.js';
import { dropNullOptionals, toGbnfSchema } from './to-gbnf-schema.js';

export interface LlamaChatModelOptions {
  /** Folder of GGUF files; `ai.model_path` is resolved against it (absolute paths are kept). */
  modelsDir: string;
  /** The file used when a tenant sets no `ai.model_path` (what `switchboard model pull` downloads). */
  defaultModelFile: string;
  /** Turns generated at once per model (context sequences); more wait in line, first come first served. Default 2. */
  sequences?: number;
  /** Tokens per sequence: system prompt, tools, history and reply together. Default 4096 (capped at the model's own). */
  contextSize?: number;
  /** CPU threads for evaluation; 0 or unset: all cores but one, left for the server itself (at least 1). */
  threads?: number;
  logger?: Logger;
}

/** A model file in memory, its context and the sequences lent to turns. */
interface LoadedModel {
  file: string;
  model: LlamaModel;
  context: LlamaContext;
  pool: SequencePool<LlamaChat>;
  /** Whether the chat template batches several calls in one chunk (Qwen does). */
  parallelCalls: boolean;
  chatWrapper: string;
}

/** What `load` reports: for logs, tests and the benchmark. */
export interface LoadedModelInfo {
  file: string;
  chatWrapper: string;
  contextSize: number;
  sequences: number;
  sizeBytes: number;
}

/**
 * A GGUF model run in-process by node-llama-cpp (llama.cpp), behind the same port as the hosted
 * providers. Each model file is loaded once, on first use, and shared by every tenant using it;
 * concurrent first uses share one load. A model has one context with `sequences` sequences, each
 * with its own LlamaChat: a turn borrows one for a single model step and queues fairly when all are
 * busy. Tools are offered through node-llama-cpp's function calling, whose grammar makes the
 * function name and arguments valid JSON for the tool's schema; calls are returned, not executed,
 * as the engine's tool loop runs them.
 */
export class LlamaChatModel implements ChatModel {
  private llama: Promise<Llama> | null = null;
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly functionSchemas = new WeakMap<ToolSpec, GbnfJsonSchema>();
  /** The tenant whose prompt each sequence's cache holds: its next turn reuses it instead of evaluating it again. */
  private readonly lastTenant = new WeakMap<LlamaChat, string>();
  private readonly sequences: number;
  private readonly contextSize: number;

  constructor(private readonly options: LlamaChatModelOptions) {
    this.sequences = options.sequences ?? 2;
    this.contextSize = options.contextSize ?? 4096;
  }

  /** The model file a tenant's settings point at. */
  modelFile(settings: Pick<ModelSettings, 'modelPath'>): string {
    return path.resolve(this.options.modelsDir, settings.modelPath ?? this.options.defaultModelFile);
  }

  credentialsProblem(settings: ModelSettings): string | null {
    const file = this.modelFile(settings);
    if (existsSync(file)) return null;
    const shown = displayPath(file);
    return settings.modelPath
      ? `model file ${shown} is missing: check ai.model_path (relative to MODELS_DIR ${displayPath(this.options.modelsDir)})`
      : `model file ${shown} is missing: run \`switchboard model pull\``;
  }

  async reply(request: ChatRequest): Promise<ChatResult> {
    const { settings } = request;
    const problem = this.credentialsProblem(settings);
    if (problem) throw new SwitchboardError({ code: 'MODEL_FILE_MISSING', message: `${request.tenantId}: ${problem}` });
    const abortSignal = request.abortSignal ?? AbortSignal.timeout(settings.timeoutMs);
    const timeout = (cause?: unknown) =>
      new SwitchboardError({ code: 'MODEL_TIMEOUT', message: `${request.tenantId}: the local model did not answer within ${settings.timeoutMs} ms`, retryable: true, cause });

    const started = Date.now();
    let loaded: LoadedModel;
    try {
      // The load goes on (and is kept) when this turn gives up waiting for it.
      loaded = await untilAborted(this.loadFile(this.modelFile(settings)), abortSignal);
    } catch (error) {
      if (abortSignal.aborted) throw timeout(error);
      throw error;
    }
    let chat: LlamaChat;
    try {
      chat = await loaded.pool.acquire(abortSignal, (candidate) => this.lastTenant.get(candidate) === request.tenantId);
    } catch (error) {
      throw timeout(error);
    }
    const waitedMs = Date.now() - started;
    this.lastTenant.set(chat, request.tenantId);
    try {
      const tools = request.toolChoice === 'none' ? [] : (request.tools ?? []);
      const functions: ChatModelFunctions | undefined =
        tools.length > 0 ? Object.fromEntries(tools.map((tool) => [tool.name, { description: tool.description, params: this.functionSchema(tool) }])) : undefined;
      const history = toChatHistory(request.system, request.messages, { parallelCalls: loaded.parallelCalls });
      const meter = chat.sequence.tokenMeter;
      const inputBefore = meter.usedInputTokens;
      const outputBefore = meter.usedOutputTokens;
      const generate = (offered: ChatModelFunctions | undefined) =>
        chat.generateResponse(history, {
          ...(offered ? { functions: offered, documentFunctionParams: true } : {}),
          temperature: settings.temperature,
          // Qwen2.5's recommended sampling; they only matter when temperature > 0.
          topK: 20,
          topP: 0.8,
          maxTokens: settings.maxTokens,
          signal: abortSignal,
          trimWhitespaceSuffix: true,
        });
      let result: Awaited<ReturnType<typeof generate>>;
      try {
        result = await generate(functions);
      } catch (error) {
        // The grammar keeps arguments valid JSON, but node-llama-cpp checks them again in JavaScript,
        // where a few limits count differently (string lengths in UTF-16 units): when it rejects a
        // call, the step is generated once more without tools, so the user still gets an answer.
        if (!functions || abortSignal.aborted || !isFunctionCallRejection(error)) throw error;
        this.options.logger?.warn({ tenantId: request.tenantId, error: error instanceof Error ? error.message.slice(0, 200) : String(error) }, 'model.local_tool_call_rejected');
        result = await generate(undefined);
      }
      const specs = new Map(tools.map((tool) => [tool.name, tool]));
      const toolCalls: ToolCall[] = (result.functionCalls ?? []).map((call) => ({
        id: newId('call'),
        name: call.functionName,
        input: dropNullOptionals(call.params, specs.get(call.functionName)?.inputSchema),
      }));
      const text = result.response.trim();
      const inputTokens = meter.usedInputTokens - inputBefore;
      const outputTokens = meter.usedOutputTokens - outputBefore;
      this.options.logger?.debug(
        { tenantId: request.tenantId, waitedMs, durationMs: Date.now() - started, inputTokens, outputTokens, toolCalls: toolCalls.length, stopReason: result.metadata.stopReason },
        'model.local_step',
      );
      if (text === '' && toolCalls.length === 0) {
        throw new SwitchboardError({ code: 'MODEL_REPLY_EMPTY', message: `${request.tenantId}: the model returned no text`, retryable: true });
      }
      return { text, toolCalls, inputTokens, outputTokens };
    } catch (error) {
      if (error instanceof SwitchboardError) throw error;
      if (abortSignal.aborted) throw timeout(error);
      throw new SwitchboardError({
        code: 'MODEL_CALL_FAILED',
        message: `${request.tenantId}: the local model failed: ${error instanceof Error ? error.message : String(error)}`,
        retryable: true,
        cause: error,
      });
    } finally {
      loaded.pool.release(chat);
    }
  }

  /** Loads (or finds) the model a tenant uses, e.g. to warm it up before the first turn. */
  async load(settings: Pick<ModelSettings, 'modelPath'>): Promise<LoadedModelInfo> {
    const loaded = await this.loadFile(this.modelFile(settings));
    return { file: loaded.file, chatWrapper: loaded.chatWrapper, contextSize: loaded.context.contextSize, sequences: this.sequences, sizeBytes: loaded.model.size };
  }

  /** Frees every model and the llama.cpp backend. */
  async close(): Promise<void> {
    const llama = this.llama;
    this.llama = null;
    this.models.clear();
    if (llama) await (await llama.catch(() => null))?.dispose();
  }

  private loadFile(file: string): Promise<LoadedModel> {
    let loading = this.models.get(file);
    if (!loading) {
      loading = this.createModel(file);
      this.models.set(file, loading);
      // A failed load is forgotten, so the next turn tries again (after a pull, a fixed file...).
      loading.catch(() => this.models.delete(file));
    }
    return loading;
  }

  private async createModel(file: string): Promise<LoadedModel> {
    if (!existsSync(file)) {
      throw new SwitchboardError({ code: 'MODEL_FILE_MISSING', message: `model file ${displayPath(file)} is missing: run \`switchboard model pull\`` });
    }
    const started = Date.now();
    const { LlamaChat } = await import('node-llama-cpp');
    const llama = await this.backend();
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: file });
      const context = await model.createContext({
        sequences: this.sequences,
        contextSize: Math.min(this.contextSize, model.trainContextSize),
        // llama.cpp's threads spin while they wait for each other: one core stays free for the event loop.
        threads: this.options.threads || Math.max(1, os.availableParallelism() - 1),
      });
      // The chat wrapper (prompt format, function-call syntax) is resolved once, from the model's
      // metadata and chat template, and shared by the sequences.
      const first = new LlamaChat({ contextSequence: context.getSequence() });
      const chats = [first];
      for (let i = 1; i < this.sequences; i++) chats.push(new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: first.chatWrapper }));
      const loaded: LoadedModel = {
        file,
        model,
        context,
        pool: new SequencePool(chats),
        parallelCalls: first.chatWrapper.settings.functions.parallelism != null,
        chatWrapper: first.chatWrapper.wrapperName,
      };
      this.options.logger?.info(
        { file: displayPath(file), sizeMb: Math.round(model.size / 1_000_000), chatWrapper: loaded.chatWrapper, contextSize: context.contextSize, sequences: this.sequences, durationMs: Date.now() - started },
        'model.loaded',
      );
      return loaded;
    } catch (error) {
      await model?.dispose().catch(() => undefined);
      throw new SwitchboardError({
        code: 'MODEL_LOAD_FAILED',
        message: `could not load ${displayPath(file)}: ${error instanceof Error ? error.message : String(error)} (a GGUF file that llama.cpp supports, and memory for ${this.sequences} × ${this.contextSize} tokens of context, are needed)`,
        cause: error,
      });
    }
  }

  /** llama.cpp's prebuilt binary for this machine; never built or downloaded at run time. */
  private backend(): Promise<Llama> {
    if (!this.llama) {
      const log = this.options.logger;
      this.llama = import('node-llama-cpp')
        .then(({ getLlama, LlamaLogLevel }) =>
          getLlama({
            gpu: 'auto',
            build: 'never',
            skipDownload: true,
            progressLogs: false,
            logLevel: LlamaLogLevel.warn,
            logger: (level, message) => {
              const text = message.trim();
              if (!text) return;
              if (level === LlamaLogLevel.fatal || level === LlamaLogLevel.error) log?.error({ llama: text }, 'llama.log');
              else if (level === LlamaLogLevel.warn) log?.warn({ llama: text }, 'llama.log');
              else log?.debug({ llama: text }, 'llama.log');
            },
          }),
        )
        .catch((error: unknown) => {
          this.llama = null;
          throw new SwitchboardError({
            code: 'MODEL_LOAD_FAILED',
            message: `llama.cpp could not start: ${error instanceof Error ? error.message : String(error)} (node-llama-cpp ships prebuilt binaries for Linux, macOS and Windows on x64 and arm64; reinstall with \`npm ci\`)`,
            cause: error,
          });
        });
    }
    return this.llama;
  }

  /** A tool's JSON Schema as the grammar subset, converted once per tool. */
  private functionSchema(tool: ToolSpec): GbnfJsonSchema {
    let schema = this.functionSchemas.get(tool);
    if (!schema) {
      schema = toGbnfSchema(tool.inputSchema);
      this.functionSchemas.set(tool, schema);
    }
    return schema;
  }
}

/** node-llama-cpp's errors for a generated function call that fails its own parsing or validation. */
function isFunctionCallRejection(error: unknown): boolean {
  const name = (error as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === 'LlamaJsonSchemaValidationError' || name === 'LlamaFunctionCallValidationError' || error instanceof SyntaxError;
}

/** Resolves or rejects with `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `models/x.gguf` rather than `/home/me/switchboard/models/x.gguf` when under the working directory. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** The model settings of one tenant, in the engine's terms. */
export interface ModelSettings {
  provider: 'openai' | 'anthropic' | 'openai-compatible' | 'local';
  model: string;
  /** `local` only: the GGUF file, relative to MODELS_DIR unless absolute; unset means the default model. */
  modelPath?: string;
  baseUrl?: string;
  apiKey?: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
}

/** A tool the model may call: its input is described by a JSON Schema (converted from the tool's zod schema). */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** A call the model asked for. `input` is the parsed JSON, or the raw text when it was not valid JSON. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export interface ToolResult {
  callId: string;
  name: string;
  /** What the tool answered (JSON), or the short explanation of its failure. */
  output: unknown;
  isError: boolean;
}

/** One entry of the model's input, oldest first. */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; results: ToolResult[] };

export interface ChatRequest {
  tenantId: string;
  settings: ModelSettings;
  system: string;
  /** Only this tenant's and this user's turns, then this turn's tool steps. */
  messages: ChatMessage[];
  /** Offered tools; none when empty or absent. */
  tools?: ToolSpec[];
  /** `none` forbids tool calls (the last step of a bounded tool loop). Default `auto`. */
  toolChoice?: 'auto' | 'none';
  /** One deadline for the whole turn, shared by every step of a tool loop. */
  abortSignal?: AbortSignal;
}

export interface ChatResult {
  /** May be empty when the model only called tools. */
  text: string;
  toolCalls: ToolCall[];
  inputTokens: number;
  outputTokens: number;
}

/**
 * A language model behind one small interface, so that providers (and a local model) plug in
 * without touching the pipeline. One call is one step: the tool loop lives in the engine. Failures
 * throw: a timeout or provider error is the caller's cue for the fallback text.
 */
export interface ChatModel {
  reply(request: ChatRequest): Promise<ChatResult>;
  /** Why this tenant's model cannot be called (missing key), or null when it can. */
  credentialsProblem(settings: ModelSettings): string | null;
}

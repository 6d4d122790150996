/** The model settings of one tenant, in the engine's terms. */
export interface ModelSettings {
  provider: 'openai' | 'anthropic' | 'openai-compatible';
  model: string;
  baseUrl?: string;
  apiKey?: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
}

export interface ChatRequest {
  tenantId: string;
  settings: ModelSettings;
  system: string;
  /** Oldest first; only this tenant's and this user's turns. */
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
}

export interface ChatResult {
  text: string;
  inputTokens: number;
  outputTokens: number;
}

/**
 * A language model behind one small interface, so that providers (and, later, tools and a local
 * model) plug in without touching the pipeline. Failures throw: a timeout or provider error is the
 * caller's cue for the fallback text.
 */
export interface ChatModel {
  reply(request: ChatRequest): Promise<ChatResult>;
  /** Why this tenant's model cannot be called (missing key), or null when it can. */
  credentialsProblem(settings: ModelSettings): string | null;
}

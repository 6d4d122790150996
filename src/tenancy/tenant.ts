import type { LoadedTenant, TenantConfig } from '../config/index.js';
import type { ModelSettings } from '../ports/chat-model.js';
import type { UserAddress } from '../ports/inbound.js';
import { parseDuration } from '../shared/durations.js';
import { phoneDigits } from '../shared/phone.js';

/** A tenant ready for the pipeline: its file, plus values derived once at start-up. */
export interface Tenant {
  id: string;
  file: string;
  config: TenantConfig;
  model: ModelSettings;
  /** The app secret that signs this tenant's webhooks (tenant file, else WHATSAPP_APP_SECRET). */
  appSecret: string | undefined;
  accessToken: string | undefined;
  debounceMs: number;
  memoryTtlMs: number;
  releaseAfterMs: number;
  /** The human agent, as a conversation key and an address; undefined when `escalation.notify` is unset. */
  agent: { userId: string; address: UserAddress } | undefined;
  /** What is wrong but does not stop the server (missing token, missing key): reported at start-up. */
  problems: string[];
}

export function buildTenant(
  loaded: LoadedTenant,
  defaults: { appSecret: string | undefined },
  credentialsProblem: (settings: ModelSettings) => string | null,
): Tenant {
  const { config } = loaded;
  const model: ModelSettings = {
    provider: config.ai.provider,
    model: config.ai.model,
    ...(config.ai.model_path ? { modelPath: config.ai.model_path } : {}),
    ...(config.ai.base_url ? { baseUrl: config.ai.base_url } : {}),
    ...(config.ai.api_key ? { apiKey: config.ai.api_key } : {}),
    temperature: config.ai.temperature,
    maxTokens: config.ai.max_tokens,
    timeoutMs: parseDuration(config.ai.timeout),
  };
  const agentDigits = config.escalation.notify ? phoneDigits(config.escalation.notify) : undefined;
  const appSecret = config.whatsapp.app_secret ?? defaults.appSecret;
  const problems: string[] = [];
  if (!config.whatsapp.access_token) problems.push('whatsapp.access_token is unset: replies cannot be sent');
  if (!appSecret) problems.push('no app secret (whatsapp.app_secret or WHATSAPP_APP_SECRET): webhooks cannot be verified');
  const modelProblem = credentialsProblem(model);
  if (modelProblem) problems.push(`ai: ${modelProblem}; every message gets the fallback text and is escalated`);
  return {
    id: config.id,
    file: loaded.file,
    config,
    model,
    appSecret,
    accessToken: config.whatsapp.access_token,
    debounceMs: config.conversation.debounce_ms,
    memoryTtlMs: parseDuration(config.memory.ttl),
    releaseAfterMs: parseDuration(config.escalation.release_after),
    agent: agentDigits ? { userId: agentDigits, address: { kind: 'phone', value: agentDigits } } : undefined,
    problems,
  };
}

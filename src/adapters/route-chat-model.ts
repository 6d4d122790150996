import type { ChatModel, ChatRequest, ChatResult, ModelSettings } from '../ports/chat-model.js';

/**
 * One ChatModel for the pipeline, two behind it: `provider: local` goes to the in-process model
 * (LlamaChatModel), every hosted provider to the AI SDK (AiSdkChatModel). Tenants of both kinds can
 * share a server.
 */
export class RouteChatModel implements ChatModel {
  constructor(private readonly routes: { local: ChatModel; hosted: ChatModel }) {}

  reply(request: ChatRequest): Promise<ChatResult> {
    return this.route(request.settings).reply(request);
  }

  credentialsProblem(settings: ModelSettings): string | null {
    return this.route(settings).credentialsProblem(settings);
  }

  private route(settings: ModelSettings): ChatModel {
    return settings.provider === 'local' ? this.routes.local : this.routes.hosted;
  }
}

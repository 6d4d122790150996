import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import type { ChatMessage, ToolResult } from '../../ports/chat-model.js';

/**
 * The engine's messages as node-llama-cpp's chat history. An assistant step that called tools and
 * the results that answered it are one model response there (text, then function calls each with
 * its result), and the steps of one turn continue that same response; the history ends with the
 * model response to generate (empty for a new reply, or the tool steps so far, to be continued).
 */
export function toChatHistory(system: string, messages: readonly ChatMessage[], options: { parallelCalls: boolean }): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [{ type: 'system', text: system }];
  let open: ChatModelResponse | null = null; // the model response that tool results may still join
  const calls = new Map<string, ChatModelFunctionCall>(); // its calls still waiting for a result, by call id
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        history.push({ type: 'user', text: message.content });
        open = null;
        break;
      case 'assistant': {
        const response: ChatModelResponse = open ?? { type: 'model', response: [] };
        if (!open) history.push(response);
        if (message.content) response.response.push(message.content);
        (message.toolCalls ?? []).forEach((call, index) => {
          const item: ChatModelFunctionCall = { type: 'functionCall', name: call.name, params: call.input, result: { error: 'no result' } };
          // With parallel calling, each batch of calls is one chunk of the chat template.
          if (options.parallelCalls && index === 0) item.startsNewChunk = true;
          response.response.push(item);
          calls.set(call.id, item);
        });
        open = message.toolCalls?.length ? response : null;
        break;
      }
      case 'tool':
        for (const result of message.results) {
          const call = calls.get(result.callId);
          if (call) call.result = toFunctionResult(result);
          calls.delete(result.callId);
        }
        break;
      default:
        return assertNever(message);
    }
  }
  const last = history[history.length - 1];
  if (!last || last.type !== 'model' || !open) history.push({ type: 'model', response: [] });
  return history;
}

function toFunctionResult(result: ToolResult): unknown {
  return result.isError ? { error: String(result.output) } : (result.output ?? null);
}

function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}

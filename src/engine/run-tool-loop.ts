import type { ChatMessage, ChatModel, ChatRequest, ToolCall, ToolResult } from '../ports/chat-model.js';
import { describeError, SwitchboardError } from '../shared/errors.js';
import { toolSpec, ToolRefusal, type Tool, type ToolContext } from './tool.js';

export interface ToolLoopResult {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** Model calls made. */
  steps: number;
  /** Every tool call of the turn, in order, and whether it succeeded. */
  calls: Array<{ name: string; ok: boolean }>;
}

/**
 * The engine's tool loop: ask the model; run the tools it calls (in order, one at a time: a booking
 * may depend on the slot search before it); feed the results back; repeat until it answers in text,
 * at most `maxSteps` model calls. The last allowed call offers no tools, so a turn always ends in text.
 * A tool's failure becomes a short explanation for the model, never an exception for the turn.
 */
export async function runToolLoop(options: {
  chat: ChatModel;
  request: ChatRequest;
  tools: readonly Tool[];
  context: ToolContext;
  maxSteps: number;
}): Promise<ToolLoopResult> {
  const { chat, request, tools, context } = options;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const specs = tools.map(toolSpec);
  const messages: ChatMessage[] = [...request.messages];
  const calls: ToolLoopResult['calls'] = [];
  let inputTokens = 0;
  let outputTokens = 0;
  for (let step = 1; step <= options.maxSteps; step++) {
    const last = step === options.maxSteps;
    const result = await chat.reply({
      ...request,
      messages,
      ...(specs.length > 0 ? { tools: specs, toolChoice: last ? 'none' : 'auto' } : {}),
    });
    inputTokens += result.inputTokens;
    outputTokens += result.outputTokens;
    if (result.toolCalls.length === 0 || last) {
      if (result.text === '' && result.toolCalls.length === 0) {
        throw new SwitchboardError({ code: 'MODEL_REPLY_EMPTY', message: `${context.tenantId}: the model returned no text`, retryable: true });
      }
      if (result.text === '') {
        throw new SwitchboardError({ code: 'MODEL_TOOL_LOOP_EXHAUSTED', message: `${context.tenantId}: the model was still calling tools after ${step} steps`, retryable: false });
      }
      return { text: result.text, inputTokens, outputTokens, steps: step, calls };
    }
    messages.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
    const results: ToolResult[] = [];
    for (const call of result.toolCalls) {
      const outcome = await runTool(byName.get(call.name), call, context);
      calls.push({ name: call.name, ok: !outcome.isError });
      results.push(outcome);
    }
    messages.push({ role: 'tool', results });
  }
  throw new SwitchboardError({ code: 'MODEL_TOOL_LOOP_EXHAUSTED', message: `${context.tenantId}: no reply within ${options.maxSteps} steps` });
}

async function runTool(tool: Tool | undefined, call: ToolCall, context: ToolContext): Promise<ToolResult> {
  const answer = (output: unknown, isError: boolean): ToolResult => ({ callId: call.id, name: call.name, output, isError });
  if (!tool) return answer(`There is no tool named "${call.name}". Use only the tools offered.`, true);
  const parsed = tool.input.safeParse(call.input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    return answer(`Invalid input for ${tool.name}: ${problems}. Fix the arguments and call it again.`, true);
  }
  try {
    const output = await tool.run(parsed.data, context);
    context.log.info({ tenantId: context.tenantId, turnId: context.turnId, tool: tool.name }, 'tool.called');
    return answer(output ?? { ok: true }, false);
  } catch (error) {
    if (error instanceof ToolRefusal) {
      context.log.info({ tenantId: context.tenantId, turnId: context.turnId, tool: tool.name, refusal: error.message }, 'tool.refused');
      return answer(error.message, true);
    }
    const { code, message } = describeError(error);
    context.log.warn({ tenantId: context.tenantId, turnId: context.turnId, tool: tool.name, code, error: message }, 'tool.failed');
    // The model hears that it failed, never a stack trace: it tells the user it could not be done now.
    return answer(`${tool.name} failed (${code}). Tell the user it could not be done right now and offer to try again later or to connect them with a person.`, true);
  }
}

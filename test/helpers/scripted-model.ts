// Helpers of the actions end-to-end tests: a fake model that answers scripted tool calls, and waits on what
// reached the fake Graph API.
import { expect } from 'vitest';
import type { FakeGraph, RecordedSend } from './fake-graph.js';
import { lastUserText, type ChatRequest, type ModelReply, type ToolCallReply } from './fake-model.js';
import { eventually, type RunningSwitchboard } from './switchboard.js';
import { textMessage } from './webhooks.js';

/** The model's script: a user text → the tool calls (or the text) it answers with. */
export type Script = Record<string, ToolCallReply[] | string>;

/** A reply function for the fake model: scripted answers to user texts; after tool results, the results as text. */
export function scriptedModel(script: () => Script) {
  return (request: ChatRequest): ModelReply | string => {
    const trailing: string[] = [];
    for (let index = request.messages.length - 1; index >= 0 && request.messages[index]!.role === 'tool'; index--) {
      trailing.unshift(String(request.messages[index]!.content));
    }
    if (trailing.length > 0) return { content: `result: ${trailing.join(' | ')}` };
    const text = lastUserText(request);
    const step = script()[text];
    if (step === undefined) return `echo: ${text}`;
    return typeof step === 'string' ? step : { toolCalls: step };
  };
}

/** Posts one signed text message and expects the 200. */
export async function say(server: RunningSwitchboard, phoneNumberId: string, from: string, text: string): Promise<void> {
  const response = await server.post(textMessage({ phoneNumberId, from, text }));
  expect(response.status, `webhook for "${text}"`).toBe(200);
}

/** Sends the fake Graph accepted for one recipient (digits, no `+`), oldest first. */
export function sendsTo(graph: FakeGraph, recipient: string): RecordedSend[] {
  return graph.sends.filter((send) => send.to === `+${recipient}`);
}

/** The `count`-th send to a recipient, once it has arrived. */
export async function replyTo(graph: FakeGraph, recipient: string, count: number): Promise<RecordedSend> {
  const sends = await eventually(() => (sendsTo(graph, recipient).length >= count ? sendsTo(graph, recipient) : null), `${count} sends to ${recipient}`, 30_000);
  return sends![count - 1]!;
}

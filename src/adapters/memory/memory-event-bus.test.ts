import { describe, expect, it } from 'vitest';
import type { SwitchboardEvent } from '../../ports/event-bus.js';
import { MemoryEventBus } from './memory-event-bus.js';

const event = (tenantId: string): SwitchboardEvent => ({ type: 'conversation.escalated', tenantId, userId: 'u', trigger: 'keyword:agent', at: 1 });

describe('MemoryEventBus', () => {
  it('delivers only the subscribed tenants, and every tenant to a null subscription', () => {
    const bus = new MemoryEventBus();
    const a: string[] = [];
    const all: string[] = [];
    bus.subscribe(['a'], (received) => a.push(received.tenantId));
    bus.subscribe(null, (received) => all.push(received.tenantId));
    bus.publish(event('a'));
    bus.publish(event('b'));
    expect(a).toEqual(['a']);
    expect(all).toEqual(['a', 'b']);
  });

  it('stops delivering after unsubscribe, and a throwing listener does not stop the others', () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    const stop = bus.subscribe(null, () => seen.push('first'));
    bus.subscribe(null, () => {
      throw new Error('broken screen');
    });
    bus.subscribe(null, () => seen.push('third'));
    bus.publish(event('a'));
    stop();
    bus.publish(event('a'));
    expect(seen).toEqual(['first', 'third', 'third']);
  });
});

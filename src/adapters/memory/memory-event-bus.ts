import type { EventBus, SwitchboardEvent } from '../../ports/event-bus.js';

/** The in-process event bus: listeners are called synchronously; one that throws does not stop the others. */
export class MemoryEventBus implements EventBus {
  private readonly listeners = new Set<{ tenants: ReadonlySet<string> | null; listener: (event: SwitchboardEvent) => void }>();

  publish(event: SwitchboardEvent): void {
    for (const entry of this.listeners) {
      if (entry.tenants && !entry.tenants.has(event.tenantId)) continue;
      try {
        entry.listener(event);
      } catch {
        // A broken screen must not break the pipeline that publishes.
      }
    }
  }

  subscribe(tenantIds: readonly string[] | null, listener: (event: SwitchboardEvent) => void): () => void {
    const entry = { tenants: tenantIds ? new Set(tenantIds) : null, listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }
}

/**
 * Code a tenant may run at fixed points of the pipeline, for what configuration cannot say. A tenant
 * file names the module (`hooks: ./hooks/my_tenant.ts`); it exports any of these functions by name.
 * Each gets only its own tenant's data. A hook that throws or takes longer than 5 s is logged and skipped.
 */
export interface TenantHooks {
  /** Before a reply is sent: return a replacement text, or nothing to keep it. */
  beforeReply?(input: { tenantId: string; userId: string; text: string }): string | void | Promise<string | void>;
  /** After a turn was committed (answered, escalated, held...). */
  afterTurn?(input: { tenantId: string; userId: string; outcome: string; reply: string | null }): void | Promise<void>;
  /** A conversation was handed to a human. */
  onEscalation?(input: { tenantId: string; userId: string; trigger: string }): void | Promise<void>;
  /** A lead profile changed (`complete` when every required field is known). */
  onLead?(input: { tenantId: string; userId: string; lead: Record<string, unknown>; complete: boolean }): void | Promise<void>;
  /** An order was placed (confirmed, or waiting for review). */
  onOrder?(input: { tenantId: string; userId: string; order: { id: string; status: string; totalMinor: number; currency: string; lines: Array<{ sku: string; quantity: number }> } }): void | Promise<void>;
}

export type HookName = keyof TenantHooks;
export const HOOK_NAMES: readonly HookName[] = ['beforeReply', 'afterTurn', 'onEscalation', 'onLead', 'onOrder'];

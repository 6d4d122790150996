import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { HookName, TenantHooks } from './tenant-hooks.js';

const HOOK_TIMEOUT_MS = 5000;

/** Runs one hook if the tenant has it; a hook that throws or hangs is logged and its result ignored. */
export async function runHook<Name extends HookName>(
  hooks: TenantHooks | undefined,
  name: Name,
  input: Parameters<NonNullable<TenantHooks[Name]>>[0],
  log: Logger,
): Promise<Awaited<ReturnType<NonNullable<TenantHooks[Name]>>> | undefined> {
  const hook = hooks?.[name] as ((value: typeof input) => unknown) | undefined;
  if (!hook) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${HOOK_TIMEOUT_MS} ms`)), HOOK_TIMEOUT_MS);
    });
    return (await Promise.race([Promise.resolve().then(() => hook(input)), timeout])) as Awaited<ReturnType<NonNullable<TenantHooks[Name]>>>;
  } catch (error) {
    log.warn({ tenantId: input.tenantId, hook: name, ...describeError(error) }, 'hook.failed');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwitchboardError } from '../../shared/errors.js';
import { HOOK_NAMES, type HookName, type TenantHooks } from './tenant-hooks.js';

/**
 * Loads a tenant's hooks module, relative to its tenant file. TypeScript files are loaded through
 * tsx (no build step for a business's hook file); JavaScript with Node's own import. Exports that are
 * not hook names are refused, so a typo (`beforeReplay`) is reported at start-up, not silently unused.
 */
export async function loadHooks(tenantFile: string, modulePath: string): Promise<TenantHooks> {
  const file = path.resolve(path.dirname(tenantFile), modulePath);
  const where = `${path.relative(process.cwd(), tenantFile) || tenantFile}: hooks`;
  if (!existsSync(file)) throw new SwitchboardError({ code: 'TENANT_HOOKS_INVALID', message: `${where}: ${file} does not exist` });
  let exports: Record<string, unknown>;
  try {
    if (/\.m?ts$/.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      exports = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else {
      exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new SwitchboardError({ code: 'TENANT_HOOKS_INVALID', message: `${where}: ${file} could not be loaded: ${error instanceof Error ? error.message : String(error)}`, cause: error });
  }
  const hooks: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (name === 'default' || name === '__esModule') continue;
    if (!HOOK_NAMES.includes(name as HookName)) {
      throw new SwitchboardError({ code: 'TENANT_HOOKS_INVALID', message: `${where}: ${file} exports "${name}", which is not a hook; hooks are ${HOOK_NAMES.join(', ')}` });
    }
    if (typeof value !== 'function') throw new SwitchboardError({ code: 'TENANT_HOOKS_INVALID', message: `${where}: ${file}: "${name}" must be a function` });
    hooks[name] = value;
  }
  return hooks as TenantHooks;
}

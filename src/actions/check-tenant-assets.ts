import path from 'node:path';
import type { TenantConfig } from '../config/index.js';
import { loadHooks } from './hooks/load-hooks.js';
import { loadCatalogueFile } from './orders/catalogue.js';

/** Loads the files a tenant file names (catalogue, hooks module), as start-up would; throws what start-up would. */
export async function checkTenantAssets(tenantFile: string, config: TenantConfig): Promise<string[]> {
  const checked: string[] = [];
  if (config.catalogue) {
    const items = loadCatalogueFile(path.resolve(path.dirname(tenantFile), config.catalogue.file), config.catalogue.currency);
    checked.push(`catalogue ${config.catalogue.file} (${items.length} items)`);
  }
  if (config.hooks) {
    const hooks = await loadHooks(tenantFile, config.hooks);
    checked.push(`hooks ${config.hooks} (${Object.keys(hooks).join(', ') || 'none'})`);
  }
  return checked;
}

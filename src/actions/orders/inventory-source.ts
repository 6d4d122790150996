import { z } from 'zod';
import type { OrderStore } from '../../ports/order-store.js';
import { SwitchboardError } from '../../shared/errors.js';
import type { IntegrationClient, IntegrationTarget } from '../integrations/integration-client.js';
import { searchCatalogue, type CatalogueItem } from './catalogue.js';
import { parseMinorUnits } from './money.js';

/** A product as the order tools see it: price in minor units and what can still be ordered. */
export interface InventoryItem {
  sku: string;
  name: string;
  unit: string;
  priceMinor: number;
  currency: string;
  available: number;
}

/** Where products, prices and stock come from: the built-in catalogue file or the business's ERP. */
export interface InventorySource {
  kind: 'builtin' | 'erp';
  search(tenantId: string, query: string, limit: number): Promise<InventoryItem[]>;
  /** The items of these skus that exist (unknown skus are absent from the map). */
  bySku(tenantId: string, skus: readonly string[]): Promise<Map<string, InventoryItem>>;
}

/** The built-in catalogue: stock in the file minus what confirmed and pending orders already took. */
export function builtinInventory(items: readonly CatalogueItem[], orders: OrderStore): InventorySource {
  const bySku = new Map(items.map((item) => [item.sku.toUpperCase(), item]));
  async function withAvailability(tenantId: string, found: readonly CatalogueItem[]): Promise<InventoryItem[]> {
    const committed = await orders.committedQuantities(tenantId);
    return found.map((item) => ({
      sku: item.sku,
      name: item.name,
      unit: item.unit,
      priceMinor: item.priceMinor,
      currency: item.currency,
      available: Math.max(0, item.stock - (committed.get(item.sku) ?? 0)),
    }));
  }
  return {
    kind: 'builtin',
    search: async (tenantId, query, limit) => withAvailability(tenantId, searchCatalogue(items, query, limit)),
    async bySku(tenantId, skus) {
      const found = skus.map((sku) => bySku.get(sku.toUpperCase())).filter((item): item is CatalogueItem => item !== undefined);
      return new Map((await withAvailability(tenantId, found)).map((item) => [item.sku.toUpperCase(), item]));
    },
  };
}

const erpItems = z.object({
  items: z.array(
    z.object({
      sku: z.string().min(1),
      name: z.string().min(1),
      unit: z.string().default('each'),
      price: z.union([z.string(), z.number()]),
      currency: z.string().regex(/^[A-Z]{3}$/),
      stock: z.number().int().min(0),
    }),
  ),
});

/**
 * An ERP over HTTP: `GET {url}/inventory?q=<words>&limit=<n>` or `?sku=A,B` answers
 * `{ "items": [{ sku, name, unit, price: "12.50", currency, stock }] }`. Prices are decimal strings,
 * turned into minor units here; the ERP's stock is taken as what is available.
 */
export function erpInventory(target: IntegrationTarget, client: IntegrationClient): InventorySource {
  async function fetchItems(tenantId: string, query: Record<string, string>): Promise<InventoryItem[]> {
    const answer = await client.call(target, { method: 'GET', path: '/inventory', query });
    const parsed = erpItems.safeParse(answer.json);
    if (!parsed.success) {
      throw new SwitchboardError({
        code: 'INTEGRATION_RESPONSE_INVALID',
        message: `${tenantId}: ERP GET /inventory answered an unexpected shape (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); expected { "items": [{ sku, name, unit, price, currency, stock }] }`,
      });
    }
    return parsed.data.items.map((item) => ({
      sku: item.sku,
      name: item.name,
      unit: item.unit,
      priceMinor: parseMinorUnits(item.price, item.currency),
      currency: item.currency,
      available: item.stock,
    }));
  }
  return {
    kind: 'erp',
    search: (tenantId, query, limit) => fetchItems(tenantId, { q: query, limit: String(limit) }),
    async bySku(tenantId, skus) {
      const items = await fetchItems(tenantId, { sku: skus.join(',') });
      return new Map(items.map((item) => [item.sku.toUpperCase(), item]));
    },
  };
}

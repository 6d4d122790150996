import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildTenantActions, checkTenantAssets, type ActionServices, type TenantActions } from '../actions/index.js';
import { loadTenantFile, type LoadedTenant } from '../config/index.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { TenantRegistry, type Tenant } from '../tenancy/index.js';

export interface TenantFileReport {
  file: string;
  tenantId: string | null;
  ok: boolean;
  /** What stops the file from loading. */
  errors: string[];
  /** Loads, but degraded (unset variables, a missing access token or model key). */
  warnings: string[];
}

export interface TenantFilesReport {
  ok: boolean;
  dir: string;
  /** Problems of the folder itself (missing, empty) or of loading the set. */
  errors: string[];
  files: TenantFileReport[];
}

/** The tenants and their actions, built from one read of the files: swapped in together. */
export interface TenantSet {
  registry: TenantRegistry;
  actions: Map<string, TenantActions>;
}

export interface TenantFilesOptions {
  dir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Builds the pipeline's tenants from loaded files, exactly as start-up does (app.ts). */
  toTenants: (loaded: LoadedTenant[]) => Tenant[];
  services: ActionServices;
  /** Puts a new set in place of the running one. */
  swap: (set: TenantSet) => void;
  log: Logger;
}

/**
 * The tenant files on disk (TENANTS_DIR): checked file by file as start-up would load them (schema,
 * unique ids and numbers, catalogue and hooks), and reloaded without a restart. A reload applies only
 * when every file is valid; otherwise the running tenants stay. Reloads run one at a time.
 */
export class TenantFiles {
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TenantFilesOptions) {}

  async validate(): Promise<TenantFilesReport> {
    return (await this.check()).report;
  }

  /** Loads the files and swaps them in when all are valid; the report says what was wrong otherwise. */
  reload(): Promise<{ applied: boolean; report: TenantFilesReport; tenants: number }> {
    const next = this.running.then(() => this.reloadNow());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(): Promise<{ applied: boolean; report: TenantFilesReport; tenants: number }> {
    const { report, loaded } = await this.check();
    if (!report.ok) return { applied: false, report, tenants: 0 };
    let set: TenantSet;
    try {
      const registry = new TenantRegistry(this.options.toTenants(loaded));
      const actions = new Map<string, TenantActions>();
      for (const tenant of registry.all()) actions.set(tenant.id, await buildTenantActions(tenant, this.options.services));
      set = { registry, actions };
    } catch (error) {
      return { applied: false, report: { ...report, ok: false, errors: [...report.errors, describeError(error).message] }, tenants: 0 };
    }
    this.options.swap(set);
    for (const tenant of set.registry.all()) {
      if (tenant.problems.length > 0) this.options.log.warn({ tenantId: tenant.id, file: tenant.file, problems: tenant.problems }, 'tenant.degraded');
      else this.options.log.info({ tenantId: tenant.id, file: tenant.file, provider: tenant.model.provider }, 'tenant.loaded');
    }
    this.options.log.info({ tenants: set.registry.all().length }, 'tenants.reloaded');
    return { applied: true, report, tenants: set.registry.all().length };
  }

  private async check(): Promise<{ report: TenantFilesReport; loaded: LoadedTenant[] }> {
    const { dir, env } = this.options;
    const display = path.relative(process.cwd(), dir) || dir;
    const report: TenantFilesReport = { ok: false, dir: display, errors: [], files: [] };
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      names = readdirSync(dir).filter((name) => /\.ya?ml$/i.test(name)).sort();
    } catch {
      report.errors.push(`tenant folder ${display} cannot be read; set TENANTS_DIR to a folder of tenant YAML files`);
      return { report, loaded: [] };
    }
    if (names.length === 0) report.errors.push(`tenant folder ${display} has no .yaml files; add one file per business`);

    const loaded: LoadedTenant[] = [];
    const byFile = new Map<string, TenantFileReport>();
    for (const name of names) {
      const entry: TenantFileReport = { file: path.join(display, name), tenantId: null, ok: true, errors: [], warnings: [] };
      report.files.push(entry);
      try {
        const tenant = loadTenantFile(path.join(dir, name), env);
        entry.file = tenant.file;
        entry.tenantId = tenant.config.id;
        entry.warnings.push(...tenant.unsetVariables.map((variable) => `unset variable: ${variable}`));
        await checkTenantAssets(tenant.file, tenant.config);
        loaded.push(tenant);
        byFile.set(tenant.file, entry);
      } catch (error) {
        entry.errors.push(describeError(error).message);
      }
    }
    // Across files: an id or a number taken twice fails both files, as start-up would refuse them.
    for (const [label, key] of [
      ['id', (tenant: LoadedTenant) => tenant.config.id],
      ['phone_number_id', (tenant: LoadedTenant) => tenant.config.whatsapp.phone_number_id],
    ] as const) {
      const owners = new Map<string, LoadedTenant[]>();
      for (const tenant of loaded) owners.set(key(tenant), [...(owners.get(key(tenant)) ?? []), tenant]);
      for (const [value, tenants] of owners) {
        if (tenants.length < 2) continue;
        for (const tenant of tenants) byFile.get(tenant.file)!.errors.push(`${label} ${value} is also in ${tenants.filter((other) => other !== tenant).map((other) => other.file).join(', ')}`);
      }
    }
    const valid = loaded.filter((tenant) => byFile.get(tenant.file)!.errors.length === 0);
    for (const tenant of this.options.toTenants(valid)) byFile.get(tenant.file)?.warnings.push(...tenant.problems);
    for (const entry of report.files) entry.ok = entry.errors.length === 0;
    report.ok = report.errors.length === 0 && report.files.every((entry) => entry.ok);
    return { report, loaded };
  }
}

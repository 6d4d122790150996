import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { type ZodError } from 'zod';
import { SwitchboardError } from '../shared/errors.js';
import { expandEnv } from './expand-env.js';
import { tenantSchema, type TenantConfig } from './tenant-schema.js';

/** A validated tenant file and where it came from. */
export interface LoadedTenant {
  file: string;
  config: TenantConfig;
  /** `${VAR}` references whose variable was unset: reported at start-up. */
  unsetVariables: string[];
}

/** Parses and validates one tenant file; errors name the file, the field and the fix. */
export function loadTenantFile(file: string, env: Readonly<Record<string, string | undefined>>): LoadedTenant {
  const relative = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new SwitchboardError({ code: 'TENANT_FILE_UNREADABLE', message: `${relative}: cannot be read`, cause });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    throw new SwitchboardError({
      code: 'TENANT_FILE_NOT_YAML',
      message: `${relative}: not valid YAML: ${first.message.split('\n')[0]}`,
    });
  }
  const unsetVariables: string[] = [];
  let expanded: unknown;
  try {
    expanded = expandEnv(document.toJS(), env, [], unsetVariables);
  } catch (error) {
    if (error instanceof SwitchboardError) throw new SwitchboardError({ code: error.code, message: `${relative}: ${error.message}` });
    throw error;
  }
  const result = tenantSchema.safeParse(expanded, { reportInput: true });
  if (!result.success) {
    throw new SwitchboardError({
      code: 'TENANT_FILE_INVALID',
      message: `${relative}: ${formatIssues(result.error, unsetVariables)}`,
    });
  }
  return { file: relative, config: result.data, unsetVariables };
}

/**
 * Loads every `*.yaml` / `*.yml` file of a folder. Every file is checked before failing, so one run
 * reports all broken files; duplicate ids or phone numbers name both files.
 */
export function loadTenantsDir(dir: string, env: Readonly<Record<string, string | undefined>>): LoadedTenant[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).filter((name) => /\.ya?ml$/i.test(name)).sort();
  } catch (cause) {
    throw new SwitchboardError({
      code: 'TENANTS_DIR_MISSING',
      message: `tenant folder ${displayPath(dir)} cannot be read; set TENANTS_DIR to a folder of tenant YAML files`,
      cause,
    });
  }
  if (names.length === 0) {
    throw new SwitchboardError({
      code: 'TENANTS_DIR_EMPTY',
      message: `tenant folder ${displayPath(dir)} has no .yaml files; add one file per business`,
    });
  }
  const loaded: LoadedTenant[] = [];
  const problems: unknown[] = [];
  for (const name of names) {
    try {
      loaded.push(loadTenantFile(path.join(dir, name), env));
    } catch (error) {
      problems.push(error);
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    const messages = problems.map((problem) => (problem instanceof Error ? problem.message : String(problem)));
    throw new SwitchboardError({ code: 'TENANT_FILE_INVALID', message: messages.join('\n') });
  }
  assertUnique(loaded, (tenant) => tenant.config.id, 'TENANT_ID_TAKEN', 'id', 'give each tenant its own id');
  assertUnique(
    loaded,
    (tenant) => tenant.config.whatsapp.phone_number_id,
    'TENANT_PHONE_ID_TAKEN',
    'phone_number_id',
    'give each tenant its own number',
  );
  return loaded;
}

function assertUnique(
  tenants: LoadedTenant[],
  key: (tenant: LoadedTenant) => string,
  code: string,
  label: string,
  fix: string,
) {
  const seen = new Map<string, string>();
  for (const tenant of tenants) {
    const value = key(tenant);
    const first = seen.get(value);
    if (first !== undefined) {
      throw new SwitchboardError({ code, message: `${label} ${value} is in ${first} and ${tenant.file}; ${fix}` });
    }
    seen.set(value, tenant.file);
  }
}

function formatIssues(error: ZodError, unsetVariables: string[]): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      // "whatsapp.access_token (${TOKEN})": say which variable to set.
      const unset = unsetVariables.find((entry) => entry.startsWith(`${where} (`));
      if (unset) return `${where}: ${unset.slice(where.length + 2, -1)} is not set`;
      const input = 'input' in issue ? issue.input : undefined;
      const got = input !== undefined && (typeof input !== 'object' || input === null) ? `, got ${JSON.stringify(input)}` : '';
      return `${where}: ${issue.message}${got}`;
    })
    .join('; ');
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

import { SwitchboardError } from '../shared/errors.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML document.
 * A `${VAR}` whose variable is unset (and has no default) becomes undefined, so that optional
 * fields fall back and required ones fail validation naming the variable.
 */
export function expandEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: string[] = [],
  missing: string[] = [],
): unknown {
  if (typeof value === 'string') return expandString(value, env, path, missing);
  if (Array.isArray(value)) return value.map((item, index) => expandEnv(item, env, [...path, String(index)], missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const expanded = expandEnv(item, env, [...path, key], missing);
      if (expanded !== undefined) out[key] = expanded;
    }
    return out;
  }
  return value;
}

function expandString(text: string, env: Readonly<Record<string, string | undefined>>, path: string[], missing: string[]) {
  let unset = false;
  const result = text.replace(REFERENCE, (_whole, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    unset = true;
    missing.push(`${path.join('.')} (\${${name}})`);
    return '';
  });
  if (unset && result.trim() === '') return undefined;
  if (/\$\{[^}]*$/.test(result)) {
    throw new SwitchboardError({
      code: 'TENANT_ENV_REFERENCE_INVALID',
      message: `${path.join('.')}: "${text}" has an unclosed \${...}; write \${NAME} or \${NAME:-default}`,
    });
  }
  return result;
}

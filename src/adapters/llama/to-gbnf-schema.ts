import type { GbnfJsonSchema } from 'node-llama-cpp';

type JsonSchema = Record<string, unknown>;

const BASIC_TYPES = ['string', 'number', 'integer', 'boolean', 'null'] as const;
type BasicType = (typeof BASIC_TYPES)[number];

/** Any JSON value: what `{}` and unresolvable parts become (an object with any keys, an array of anything, a scalar). */
const ANY_JSON: GbnfJsonSchema = { oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }] };

/**
 * Converts a tool's JSON Schema (as zod writes it) to the subset node-llama-cpp turns into a GBNF
 * grammar. Structure is kept — types, properties, required keys, enums, consts, unions, arrays and
 * their lengths, string lengths, date formats, local `$ref`s — and what a grammar cannot enforce
 * (numeric bounds, patterns, defaults) is dropped: the tool's zod schema still checks the arguments
 * and the model hears what was wrong, as with any provider. Objects get no undeclared keys.
 *
 * node-llama-cpp's grammar writes every declared property, so an optional property becomes
 * "its schema or null", and `dropNullOptionals` removes those nulls from the parsed arguments.
 */
export function toGbnfSchema(schema: unknown, root: JsonSchema = asObject(schema), depth = 0): GbnfJsonSchema {
  const node = asObject(schema);
  if (depth > 16) return ANY_JSON; // a recursive $ref: stop unrolling
  const description = typeof node['description'] === 'string' ? { description: node['description'] } : {};

  if (typeof node['$ref'] === 'string') {
    const target = resolveRef(node['$ref'], root);
    return target ? toGbnfSchema(target, root, depth + 1) : ANY_JSON;
  }
  if ('const' in node && isScalar(node['const'])) return { const: node['const'], ...description };
  if (Array.isArray(node['enum'])) {
    const values = node['enum'].filter(isScalar);
    if (values.length > 0) return { enum: values, ...description };
  }
  const alternatives = (Array.isArray(node['anyOf']) ? node['anyOf'] : Array.isArray(node['oneOf']) ? node['oneOf'] : null) as unknown[] | null;
  if (alternatives && alternatives.length > 0) {
    return { oneOf: alternatives.map((alternative) => toGbnfSchema(alternative, root, depth + 1)), ...description };
  }
  if (Array.isArray(node['allOf']) && node['allOf'].length === 1) return toGbnfSchema(node['allOf'][0], root, depth + 1);

  const type = node['type'];
  if (Array.isArray(type)) {
    const types = type.filter((entry): entry is string => typeof entry === 'string');
    if (types.every(isBasicType)) return { type: types, ...description };
    return { oneOf: types.map((single) => toGbnfSchema({ ...node, type: single }, root, depth + 1)), ...description };
  }
  switch (type) {
    case 'object': {
      const properties = asObject(node['properties']);
      const required = new Set(Array.isArray(node['required']) ? node['required'].filter((key): key is string => typeof key === 'string') : []);
      const converted: Record<string, GbnfJsonSchema> = {};
      for (const [key, value] of Object.entries(properties)) {
        const property = toGbnfSchema(value, root, depth + 1);
        converted[key] = required.has(key) ? property : { oneOf: [property, { type: 'null' }] };
      }
      return { type: 'object', properties: converted, required: Object.keys(converted), additionalProperties: false, ...description };
    }
    case 'array': {
      const items = node['items'] === undefined ? ANY_JSON : toGbnfSchema(node['items'], root, depth + 1);
      return {
        type: 'array',
        items,
        ...(Array.isArray(node['prefixItems']) ? { prefixItems: node['prefixItems'].map((item) => toGbnfSchema(item, root, depth + 1)) } : {}),
        ...(isCount(node['minItems']) ? { minItems: node['minItems'] } : {}),
        ...(isCount(node['maxItems']) ? { maxItems: node['maxItems'] } : {}),
        ...description,
      };
    }
    case 'string': {
      const format = node['format'];
      if (format === 'date-time' || format === 'date' || format === 'time') return { type: 'string', format, ...description };
      return {
        type: 'string',
        ...(isCount(node['minLength']) ? { minLength: node['minLength'] } : {}),
        ...(isCount(node['maxLength']) ? { maxLength: node['maxLength'] } : {}),
        ...description,
      };
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type, ...description };
    default:
      return { ...ANY_JSON, ...description };
  }
}

function resolveRef(ref: string, root: JsonSchema): unknown {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  return asObject(root[match[1]!])[decodeURIComponent(match[2]!)];
}

function asObject(value: unknown): JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : {};
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isBasicType(value: string): value is BasicType {
  return (BASIC_TYPES as readonly string[]).includes(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Removes the nulls the grammar wrote for optional properties (see `toGbnfSchema`), so that the
 * arguments read as the tool's schema means them: a property left out, not a property set to null.
 * A null stays where the original schema itself allows null.
 */
export function dropNullOptionals(value: unknown, schema: unknown, root: JsonSchema = asObject(schema), depth = 0): unknown {
  if (depth > 16 || typeof value !== 'object' || value === null) return value;
  let node = asObject(schema);
  if (typeof node['$ref'] === 'string') node = asObject(resolveRef(node['$ref'], root));
  if (Array.isArray(value)) return value.map((item) => dropNullOptionals(item, node['items'], root, depth + 1));
  const properties = asObject(node['properties']);
  const required = new Set(Array.isArray(node['required']) ? node['required'] : []);
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null && key in properties && !required.has(key) && !allowsNull(properties[key], root)) continue;
    result[key] = dropNullOptionals(entry, properties[key], root, depth + 1);
  }
  return result;
}

function allowsNull(schema: unknown, root: JsonSchema): boolean {
  let node = asObject(schema);
  if (typeof node['$ref'] === 'string') node = asObject(resolveRef(node['$ref'], root));
  const type = node['type'];
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true;
  if ('const' in node && node['const'] === null) return true;
  if (Array.isArray(node['enum']) && node['enum'].includes(null)) return true;
  const alternatives = Array.isArray(node['anyOf']) ? node['anyOf'] : Array.isArray(node['oneOf']) ? node['oneOf'] : [];
  return alternatives.some((alternative) => allowsNull(alternative, root));
}

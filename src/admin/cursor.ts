import type { ZodType } from 'zod';
import { SwitchboardError } from '../shared/errors.js';

/** An opaque page cursor: the position as base64url JSON. Clients pass it back as they got it. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a cursor stands for; 400 REQUEST_INVALID when it is not one this API gave out. */
export function decodeCursor<T>(cursor: string, schema: ZodType<T>, name = 'cursor'): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new SwitchboardError({ code: 'REQUEST_INVALID', status: 400, message: `${name}: not a cursor of this list; pass back the one the previous page gave` });
  }
  return parsed.data;
}

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropNullOptionals, toGbnfSchema } from './to-gbnf-schema.js';

const leadInput = z.object({
  name: z.string().min(1).max(80).optional(),
  budget: z.object({ amount: z.number().positive(), currency: z.string().length(3) }).optional(),
  areas: z.array(z.string()).max(5).optional(),
  purpose: z.enum(['live', 'invest']).optional(),
  confirmed: z.boolean().default(false),
  when: z.iso.datetime().optional(),
  note: z.string().nullable().optional(),
  quantity: z.number().int().min(1).max(99),
});
const schema = z.toJSONSchema(leadInput, { io: 'input' }) as Record<string, unknown>;

describe('toGbnfSchema', () => {
  it('keeps the structure a grammar can enforce and drops what it cannot', () => {
    expect(toGbnfSchema(schema)).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['name', 'budget', 'areas', 'purpose', 'confirmed', 'when', 'note', 'quantity'],
      properties: {
        name: { oneOf: [{ type: 'string', minLength: 1, maxLength: 80 }, { type: 'null' }] },
        budget: {
          oneOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['amount', 'currency'],
              properties: { amount: { type: 'number' }, currency: { type: 'string', minLength: 3, maxLength: 3 } },
            },
            { type: 'null' },
          ],
        },
        areas: { oneOf: [{ type: 'array', items: { type: 'string' }, maxItems: 5 }, { type: 'null' }] },
        purpose: { oneOf: [{ enum: ['live', 'invest'] }, { type: 'null' }] },
        confirmed: { oneOf: [{ type: 'boolean' }, { type: 'null' }] },
        when: { oneOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
        note: { oneOf: [{ type: ['string', 'null'] }, { type: 'null' }] },
        quantity: { type: 'integer' },
      },
    });
  });

  it('resolves local references, unions and consts', () => {
    const converted = toGbnfSchema({
      $defs: { slot: { type: 'string', description: 'a slot id' } },
      anyOf: [{ $ref: '#/$defs/slot' }, { const: 'none' }, { type: ['number', 'object'], properties: {} }],
    });
    expect(converted).toEqual({
      oneOf: [
        { type: 'string', description: 'a slot id' },
        { const: 'none' },
        { oneOf: [{ type: 'number' }, { type: 'object', properties: {}, required: [], additionalProperties: false }] },
      ],
    });
  });
});

describe('dropNullOptionals', () => {
  it('turns the nulls written for optional properties back into absent ones', () => {
    const parsed = { name: null, budget: { amount: 5, currency: 'AED' }, areas: null, purpose: 'live', confirmed: null, when: null, note: null, quantity: 2 };
    const cleaned = dropNullOptionals(parsed, schema);
    expect(cleaned).toEqual({ budget: { amount: 5, currency: 'AED' }, purpose: 'live', note: null, quantity: 2 });
    expect(leadInput.safeParse(cleaned).success).toBe(true);
  });
});

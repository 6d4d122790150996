/** A tenant file with only the required fields, for schema tests; `overrides` replace whole sections. */
export function minimalTenant(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'clinic',
    name: 'Business clinic',
    language: 'en',
    timezone: 'UTC',
    whatsapp: { phone_number_id: '1234567' },
    ai: { provider: 'openai', model: 'gpt-4o-mini', system_prompt: 'You help customers.' },
    ...overrides,
  };
}

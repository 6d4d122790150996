// The servers the scale suites run against. A scale suite never passes without its server (STYLE.md):
// when the variable is unset, the suite is one failing test that says what to set.
import { describe, it } from 'vitest';

const EXAMPLES = {
  TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  TEST_REDIS_URL: 'redis://127.0.0.1:6379',
} as const;

type ServerVariable = keyof typeof EXAMPLES;

/** The URL of each variable, or undefined after registering a failing suite `name` that names the missing ones. */
export function scaleServers<V extends ServerVariable>(name: string, variables: readonly V[]): Record<V, string> | undefined {
  const missing = variables.filter((variable) => !process.env[variable]);
  if (missing.length === 0) return Object.fromEntries(variables.map((variable) => [variable, process.env[variable]!])) as Record<V, string>;
  describe(name, () => {
    it(`needs ${missing.join(' and ')}`, () => {
      throw new Error(
        `set ${missing.map((variable) => `${variable} (e.g. ${EXAMPLES[variable]})`).join(' and ')}: a server this test may create ` +
          'databases or keys on, under fresh names it deletes after; without them, run `npm run test:embedded`',
      );
    });
  });
  return undefined;
}

import type { Tenant } from '../tenancy/index.js';

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language' });

interface PromptParts {
  /** Everything but the clock: built once per tenant. */
  fixed: string;
  clock: Intl.DateTimeFormat;
}

const partsByTenant = new WeakMap<Tenant, PromptParts>();

/**
 * The system prompt of one tenant: its own prompt, its business context, the language to answer in
 * and the current time in its timezone. Nothing of any other tenant is ever part of it.
 */
export function buildSystemPrompt(tenant: Tenant, now: number): string {
  let parts = partsByTenant.get(tenant);
  if (!parts) {
    parts = promptParts(tenant);
    partsByTenant.set(tenant, parts);
  }
  return `${parts.fixed}\n\nCurrent local time: ${parts.clock.format(new Date(now))} (${tenant.config.timezone}).`;
}

function promptParts(tenant: Tenant): PromptParts {
  const { config } = tenant;
  const language = LANGUAGE_NAMES.of(config.language) ?? config.language;
  const parts = [config.ai.system_prompt.trim(), `You are the WhatsApp assistant of ${config.name}.`];
  if (config.ai.business_context.trim() !== '') parts.push(`Business context: ${config.ai.business_context.trim()}`);
  parts.push(`Always reply in ${language}. Keep replies short and suited to WhatsApp: plain sentences, no Markdown headings or tables.`);
  return {
    fixed: parts.join('\n\n'),
    // Building an Intl formatter costs far more than using one.
    clock: new Intl.DateTimeFormat(config.language, { timeZone: config.timezone, dateStyle: 'full', timeStyle: 'short' }),
  };
}

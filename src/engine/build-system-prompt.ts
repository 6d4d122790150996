import type { Tenant } from '../tenancy/index.js';

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language' });
const formatters = new WeakMap<Tenant, Intl.DateTimeFormat>();

/**
 * The system prompt of one tenant: its own prompt, its business context, the language to answer in
 * and the current time in its timezone. Nothing of any other tenant is ever part of it.
 */
export function buildSystemPrompt(tenant: Tenant, now: number): string {
  const { config } = tenant;
  const language = LANGUAGE_NAMES.of(config.language) ?? config.language;
  let formatter = formatters.get(tenant);
  if (!formatter) {
    // Building an Intl formatter costs far more than using one: once per tenant.
    formatter = new Intl.DateTimeFormat(config.language, { timeZone: config.timezone, dateStyle: 'full', timeStyle: 'short' });
    formatters.set(tenant, formatter);
  }
  const localTime = formatter.format(new Date(now));
  const parts = [config.ai.system_prompt.trim()];
  parts.push(`You are the WhatsApp assistant of ${config.name}.`);
  if (config.ai.business_context.trim() !== '') parts.push(`Business context: ${config.ai.business_context.trim()}`);
  parts.push(
    `Always reply in ${language}. Keep replies short and suited to WhatsApp: plain sentences, no Markdown headings or tables.`,
    `Current local time: ${localTime} (${config.timezone}).`,
  );
  return parts.join('\n\n');
}

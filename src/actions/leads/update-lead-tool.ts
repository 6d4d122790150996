import { z } from 'zod';
import { LEAD_FIELDS, type LeadFieldName } from '../../config/index.js';
import type { Tool } from '../../engine/index.js';
import type { LeadFields, LeadStore } from '../../ports/lead-store.js';
import { leadAsJson, missingLeadFields } from './lead-progress.js';

const input = z.object({
  name: z.string().trim().min(1).max(120).optional().describe("The user's name"),
  budget: z
    .object({
      amount: z.number().positive().describe('The whole amount, e.g. 2500000 for 2.5 million'),
      currency: z.string().regex(/^[A-Z]{3}$/).describe('ISO code, e.g. AED or USD'),
    })
    .optional(),
  timeline: z.string().trim().min(1).max(200).optional().describe('When they want to buy or move, e.g. "within 3 months"'),
  areas: z.array(z.string().trim().min(1).max(80)).min(1).max(10).optional().describe('Preferred areas or communities'),
  property_type: z.string().trim().min(1).max(80).optional().describe('e.g. apartment, villa, townhouse, penthouse'),
  purpose: z.enum(['live', 'invest']).optional(),
  financing: z.enum(['cash', 'mortgage', 'undecided']).optional(),
});

/**
 * `update_lead`: saves what the user told about themselves into the lead profile, kept across turns,
 * and says which required fields are still missing so that the model asks for them. Pushing a
 * complete lead to the CRM happens at the end of the turn (see syncLead), not here.
 */
export function updateLeadTool(leads: LeadStore, required: readonly LeadFieldName[]): Tool<z.infer<typeof input>> {
  return {
    name: 'update_lead',
    description: `Save details the user gave about their property search (only what they actually said; never guess). Fields: ${LEAD_FIELDS.join(', ')}. Returns the profile and the fields still missing: ask for those, one or two at a time.`,
    input,
    async run(details, context) {
      const fields: LeadFields = {
        ...(details.name !== undefined ? { name: details.name } : {}),
        ...(details.budget !== undefined ? { budget: details.budget } : {}),
        ...(details.timeline !== undefined ? { timeline: details.timeline } : {}),
        ...(details.areas !== undefined ? { areas: details.areas } : {}),
        ...(details.property_type !== undefined ? { propertyType: details.property_type } : {}),
        ...(details.purpose !== undefined ? { purpose: details.purpose } : {}),
        ...(details.financing !== undefined ? { financing: details.financing } : {}),
      };
      const lead = await leads.merge(context.tenantId, context.userId, fields, context.now);
      const missing = missingLeadFields(lead.fields, required);
      return {
        profile: leadAsJson(lead.fields),
        missing,
        complete: missing.length === 0,
        next: missing.length === 0 ? 'The profile is complete and goes to the sales team; tell the user an agent will follow up.' : `Ask for: ${missing.join(', ')}.`,
      };
    },
  };
}

import type { LeadFieldName } from '../../config/index.js';
import type { LeadFields } from '../../ports/lead-store.js';

const FIELD_OF: Record<LeadFieldName, keyof LeadFields> = {
  name: 'name',
  budget: 'budget',
  timeline: 'timeline',
  areas: 'areas',
  property_type: 'propertyType',
  purpose: 'purpose',
  financing: 'financing',
};

/** The required fields the lead does not have yet, in the order the tenant listed them. */
export function missingLeadFields(fields: LeadFields, required: readonly LeadFieldName[]): LeadFieldName[] {
  return required.filter((name) => {
    const value = fields[FIELD_OF[name]];
    return value === undefined || (Array.isArray(value) && value.length === 0) || value === '';
  });
}

/** The lead as the CRM and the model see it: the tenant file's field names. */
export function leadAsJson(fields: LeadFields): Record<string, unknown> {
  return {
    name: fields.name ?? null,
    budget: fields.budget ?? null,
    timeline: fields.timeline ?? null,
    areas: fields.areas ?? [],
    property_type: fields.propertyType ?? null,
    purpose: fields.purpose ?? null,
    financing: fields.financing ?? null,
  };
}

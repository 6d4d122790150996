import { describe, expect, it } from 'vitest';
import { TOOL_NAMES } from './actions-schema.js';
import { minimalTenant } from '../../test/helpers/minimal-tenant.js';
import { tenantSchema } from './tenant-schema.js';

const tenant = minimalTenant;

const calendar = { hours: { mon: '09:00-18:00' } };
const integration = (secret = 'a-shared-secret-of-32-characters') => ({ url: 'https://crm.example.com/switchboard', secret });

/** The issues of a tenant that must not parse, as `path: message` pairs. */
function issuesOf(input: Record<string, unknown>): Array<{ path: string; message: string }> {
  const result = tenantSchema.safeParse(input);
  if (result.success) throw new Error(`expected the tenant to be invalid, got ${JSON.stringify(result.data)}`);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('tenant tools, calendar, catalogue, integrations, rules and hooks', () => {
  it('normalises the tools list to a map with the default settings filled in', () => {
    const parsed = tenantSchema.parse(tenant({ tools: ['find_slots', { update_lead: { required: ['name', 'budget'] } }, 'check_inventory'], calendar, catalogue: { file: './catalogue.yaml' } }));

    expect(parsed.tools).toEqual({
      find_slots: { max_results: 8 },
      update_lead: { required: ['name', 'budget'] },
      check_inventory: { max_results: 10 },
    });
  });

  it('gives update_lead its default required fields and reads numbers written as text', () => {
    const parsed = tenantSchema.parse(tenant({ tools: ['update_lead', { find_slots: { max_results: '5' } }], calendar }));

    expect(parsed.tools).toEqual({
      update_lead: { required: ['name', 'budget', 'timeline', 'areas', 'property_type', 'purpose'] },
      find_slots: { max_results: 5 },
    });
  });

  it('treats a missing tools list as no tools', () => {
    expect(tenantSchema.parse(tenant()).tools).toEqual({});
  });

  it('fills in the built-in calendar defaults', () => {
    const parsed = tenantSchema.parse(tenant({ calendar: { hours: { mon: '09:00-18:00', sat: 'closed', fri: ['08:00-12:00', '13:00-24:00'] } } }));

    expect(parsed.calendar).toEqual({
      slot_minutes: 30,
      hours: { mon: '09:00-18:00', sat: 'closed', fri: ['08:00-12:00', '13:00-24:00'] },
      breaks: [],
      closed_dates: [],
      horizon_days: 30,
      min_notice: '2h',
      hold_for: '15m',
    });
  });

  it('refuses an unknown tool at its index and lists the known tools', () => {
    const issues = issuesOf(tenant({ tools: ['update_lead', 'send_money'] }));

    expect(issues).toEqual([{ path: 'tools.1', message: expect.stringContaining('unknown tool "send_money"; known tools: ') }]);
    for (const name of TOOL_NAMES) expect(issues[0]!.message).toContain(name);
  });

  it('refuses a tool listed twice, even once with settings', () => {
    expect(issuesOf(tenant({ tools: ['find_slots', { find_slots: { max_results: 3 } }], calendar }))).toEqual([
      { path: 'tools.1', message: 'tool "find_slots" is listed twice' },
    ]);
  });

  it('refuses an entry naming more than one tool', () => {
    expect(issuesOf(tenant({ tools: [{ find_slots: {}, book_appointment: {} }], calendar }))).toEqual([
      { path: 'tools.0', message: expect.stringContaining('expected one tool name per entry') },
    ]);
  });

  it('refuses bad tool settings at the tool\'s path', () => {
    expect(issuesOf(tenant({ tools: ['update_lead', { find_slots: { max_results: 0 } }], calendar }))).toEqual([
      { path: 'tools.1.find_slots.max_results', message: expect.any(String) },
    ]);
    expect(issuesOf(tenant({ tools: [{ update_lead: { required: ['name', 'shoe_size'] } }] }))).toEqual([
      { path: 'tools.0.update_lead.required.1', message: expect.any(String) },
    ]);
    expect(issuesOf(tenant({ tools: [{ find_slots: { limit: 3 } }], calendar }))).toEqual([
      { path: 'tools.0.find_slots', message: expect.stringContaining('"limit"') },
    ]);
  });

  it('refuses appointment tools without a built-in or external calendar', () => {
    expect(issuesOf(tenant({ tools: ['find_slots', 'book_appointment', 'update_lead'] }))).toEqual([
      { path: 'tools', message: expect.stringContaining('find_slots, book_appointment need a calendar') },
    ]);
  });

  it('accepts appointment tools with either a built-in or an external calendar', () => {
    const tools = ['find_slots', 'book_appointment', 'reschedule_appointment', 'cancel_appointment'];
    expect(tenantSchema.safeParse(tenant({ tools, calendar })).success).toBe(true);
    expect(tenantSchema.safeParse(tenant({ tools, integrations: { calendar: integration() } })).success).toBe(true);
  });

  it('refuses place_order without a catalogue or an ERP, and accepts either', () => {
    expect(issuesOf(tenant({ tools: ['place_order'] }))).toEqual([{ path: 'tools', message: expect.stringContaining('place_order need a catalogue') }]);
    expect(tenantSchema.safeParse(tenant({ tools: ['place_order'], catalogue: { file: './catalogue.csv' } })).success).toBe(true);
    expect(tenantSchema.safeParse(tenant({ tools: ['place_order'], integrations: { erp: integration() } })).success).toBe(true);
  });

  it('refuses an order review threshold without the manager to notify', () => {
    expect(issuesOf(tenant({ rules: { order_review_threshold: 500 } }))).toEqual([
      { path: 'rules.order_review_notify', message: expect.stringContaining('order_review_threshold') },
    ]);
    expect(tenantSchema.parse(tenant({ rules: { order_review_threshold: '500.00', order_review_notify: '+15550001111' } })).rules).toEqual({
      order_review_threshold: '500.00',
      order_review_notify: '+15550001111',
    });
  });

  it('refuses opening hours that end before they start', () => {
    expect(issuesOf(tenant({ calendar: { hours: { mon: '18:00-09:00' } } }))).toEqual([
      { path: 'calendar.hours.mon', message: expect.stringContaining('the end must be after the start') },
    ]);
  });

  it('refuses an integration secret shorter than 16 characters', () => {
    expect(issuesOf(tenant({ integrations: { crm: integration('short-secret') } }))).toEqual([
      { path: 'integrations.crm.secret', message: expect.stringContaining('16 characters or more') },
    ]);
  });

  it('refuses a hooks module that is not TypeScript or JavaScript', () => {
    expect(issuesOf(tenant({ hooks: './x.py' }))).toEqual([{ path: 'hooks', message: expect.stringContaining('expected a module file') }]);
    expect(tenantSchema.parse(tenant({ hooks: './hooks/clinic.mts' })).hooks).toBe('./hooks/clinic.mts');
  });

  it('refuses a built-in and an external calendar together', () => {
    expect(issuesOf(tenant({ calendar, integrations: { calendar: integration() } }))).toEqual([
      { path: 'calendar', message: expect.stringContaining('not both') },
    ]);
  });
});

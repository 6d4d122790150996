import { describe, expect, it } from 'vitest';
import { minimalTenant } from '../../test/helpers/minimal-tenant.js';
import { tenantSchema } from './tenant-schema.js';

const tenant = minimalTenant;

const calendar = { hours: { mon: '09:00-18:00' } };
/** A clinic that books appointments, so appointment triggers are allowed. */
const booking = { tools: ['find_slots', 'book_appointment'], calendar };

/** The issues of a tenant that must not parse, as `path: message` pairs. */
function issuesOf(input: Record<string, unknown>): Array<{ path: string; message: string }> {
  const result = tenantSchema.safeParse(input);
  if (result.success) throw new Error(`expected the tenant to be invalid, got ${JSON.stringify(result.data)}`);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

const nudge = { id: 'nudge', trigger: 'conversation_idle', delay: '2h', text: 'Still there, {name}?' };

describe('tenant follow_ups and quiet_hours', () => {
  it('reads a rule with a template and its parameters, and the quiet hours', () => {
    const careRule = {
      id: 'post_care_24h',
      trigger: 'appointment_completed',
      delay: '24h',
      text: 'Hi {name}! How are you after your visit on {date} at {time}? ({business}, #{appointment_id})',
      template: { name: 'post_care_24h', language: 'pt_BR', parameters: ['{name}', '{date}', 'at {time}'] },
    };
    const parsed = tenantSchema.parse(tenant({ ...booking, follow_ups: [careRule, nudge], quiet_hours: '21:00-08:00' }));

    expect(parsed.follow_ups).toEqual([careRule, nudge]);
    expect(parsed.quiet_hours).toBe('21:00-08:00');
  });

  it('defaults to no follow-ups, no quiet hours, and no template parameters', () => {
    const parsed = tenantSchema.parse(tenant());
    expect(parsed.follow_ups).toEqual([]);
    expect(parsed.quiet_hours).toBeUndefined();

    const withTemplate = tenantSchema.parse(tenant({ follow_ups: [{ ...nudge, template: { name: 'nudge', language: 'en_US' } }] }));
    expect(withTemplate.follow_ups[0]!.template).toEqual({ name: 'nudge', language: 'en_US', parameters: [] });
  });

  it('refuses an unknown placeholder in the text and names the allowed ones', () => {
    expect(issuesOf(tenant({ follow_ups: [{ ...nudge, text: 'Hi {foo}' }] }))).toEqual([
      { path: 'follow_ups.0.text', message: '{foo} is not available for conversation_idle; use {name}, {business}' },
    ]);
  });

  it('refuses an unknown placeholder in a template parameter at its index', () => {
    const rule = { ...nudge, id: 'nudge_ref', template: { name: 'nudge', language: 'en_US', parameters: ['{name}', 'ref {foo}'] } };
    expect(issuesOf(tenant({ follow_ups: [nudge, rule] }))).toEqual([
      { path: 'follow_ups.1.template.parameters.1', message: '{foo} is not available for conversation_idle; use {name}, {business}' },
    ]);
  });

  it('refuses an order placeholder in an appointment rule', () => {
    const rule = { id: 'reminder', trigger: 'appointment_booked', delay: '1h', text: 'See you on {date}, order {order_id}' };
    expect(issuesOf(tenant({ ...booking, follow_ups: [rule] }))).toEqual([
      { path: 'follow_ups.0.text', message: '{order_id} is not available for appointment_booked; use {name}, {business}, {date}, {time}, {appointment_id}' },
    ]);
  });

  it('refuses a rule id used twice', () => {
    expect(issuesOf(tenant({ follow_ups: [nudge, { ...nudge, delay: '1d' }] }))).toEqual([
      { path: 'follow_ups.1.id', message: 'follow-up id "nudge" is used twice' },
    ]);
  });

  it('refuses a trigger whose tool is not enabled', () => {
    const care = { id: 'care', trigger: 'appointment_completed', delay: '24h', text: 'How are you?' };
    // A calendar and find_slots, but nothing that books.
    expect(issuesOf(tenant({ tools: ['find_slots'], calendar, follow_ups: [nudge, care] }))).toEqual([
      { path: 'follow_ups.1.trigger', message: 'appointment_completed needs the book_appointment tool in tools:' },
    ]);
    const review = { id: 'review', trigger: 'order_delivered', delay: '2d', text: 'Did it arrive?' };
    expect(issuesOf(tenant({ follow_ups: [review] }))).toEqual([{ path: 'follow_ups.0.trigger', message: 'order_delivered needs the place_order tool in tools:' }]);
    const welcome = { id: 'welcome', trigger: 'lead_captured', delay: '10m', text: 'Welcome!' };
    expect(issuesOf(tenant({ follow_ups: [welcome] }))).toEqual([{ path: 'follow_ups.0.trigger', message: 'lead_captured needs the update_lead tool in tools:' }]);
  });

  it.each(['2 hours', '1w', '90', '', '-1h', '1.5h'])('refuses the delay %j', (delay) => {
    expect(issuesOf(tenant({ follow_ups: [{ ...nudge, delay }] }))).toEqual([
      { path: 'follow_ups.0.delay', message: 'expected a duration such as 1500ms, 30s, 10m, 2h or 30d' },
    ]);
  });

  it.each(['9pm-8am', '21:00', '21:00-24:00', '21-08', '21:00 - 08:00'])('refuses the quiet hours %j', (quietHours) => {
    expect(issuesOf(tenant({ quiet_hours: quietHours }))).toEqual([{ path: 'quiet_hours', message: 'expected quiet hours such as "21:00-08:00"' }]);
  });

  it('refuses quiet hours that start and end at the same time', () => {
    expect(issuesOf(tenant({ quiet_hours: '08:00-08:00' }))).toEqual([{ path: 'quiet_hours', message: 'start and end must differ' }]);
  });
});

// Hooks of Harvest Lane Foods: code for what its tenant file cannot say. Exported names must be
// hook names (beforeReply, afterTurn, onEscalation, onLead, onOrder); see the README.

const CUTOFF_HOUR = 14; // orders placed before 2 pm (Chicago) are delivered the next day

/** Adds the delivery cut-off to a reply that confirms an order placed after it. */
export function beforeReply(input: { text: string }): string | void {
  if (!/\bORD-[A-Z0-9]{6,}\b/.test(input.text) || /\bcut-?off\b/i.test(input.text)) return;
  const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
  if (hour < CUTOFF_HOUR) return;
  return `${input.text}\n\nOrders placed after 2 pm are delivered the day after tomorrow (Sundays excepted).`;
}

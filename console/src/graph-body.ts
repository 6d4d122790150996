// Graph API message bodies (what Switchboard sends to WhatsApp) as a phone would show them.

export interface ChatButton {
  id: string;
  title: string;
  /** A reply button, or a row of a list message: the simulator answers each as WhatsApp would. */
  kind: 'button' | 'list';
}

export interface RenderedBody {
  text: string;
  /** Reply buttons or list rows offered under the message. */
  buttons: ChatButton[];
  /** A header or footer line of an interactive message, a template's name. */
  note: string | null;
}

/** A Graph API message body as the customer's phone would show it: text, interactive buttons or lists, templates. */
export function renderGraphBody(body: Record<string, unknown>): RenderedBody {
  const type = String(body['type'] ?? (body['text'] ? 'text' : '')); // Meta assumes text when `type` is absent
  const record = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  if (type === 'text') return { text: String(record(body['text'])['body'] ?? ''), buttons: [], note: null };
  if (type === 'interactive') {
    const interactive = record(body['interactive']);
    const text = String(record(interactive['body'])['text'] ?? '');
    const header = record(interactive['header'])['text'];
    const footer = record(interactive['footer'])['text'];
    const action = record(interactive['action']);
    const buttons: ChatButton[] = [];
    for (const button of (action['buttons'] as unknown[] | undefined) ?? []) {
      const reply = record(record(button)['reply']);
      if (reply['id']) buttons.push({ id: String(reply['id']), title: String(reply['title'] ?? reply['id']), kind: 'button' });
    }
    for (const section of (action['sections'] as unknown[] | undefined) ?? []) {
      for (const row of (record(section)['rows'] as unknown[] | undefined) ?? []) {
        const entry = record(row);
        if (entry['id']) buttons.push({ id: String(entry['id']), title: String(entry['title'] ?? entry['id']), kind: 'list' });
      }
    }
    const listButton = typeof action['button'] === 'string' ? `${action['button']}:` : null;
    const note = [header, footer, buttons.some((button) => button.kind === 'list') ? listButton : null].filter((part) => typeof part === 'string' && part).join(' · ') || null;
    return { text, buttons, note };
  }
  if (type === 'template') {
    const template = record(body['template']);
    const parameters: string[] = [];
    for (const component of (template['components'] as unknown[] | undefined) ?? []) {
      for (const parameter of (record(component)['parameters'] as unknown[] | undefined) ?? []) {
        const text = record(parameter)['text'];
        if (typeof text === 'string') parameters.push(text);
      }
    }
    return { text: parameters.join(' · '), buttons: [], note: `Template ${String(template['name'] ?? '')}` };
  }
  return { text: `[${type || 'unknown'} message]`, buttons: [], note: null };
}

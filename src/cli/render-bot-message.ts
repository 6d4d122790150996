/** A reply button or list row the user can answer by its number. */
export interface ChatOption {
  kind: 'button' | 'list';
  id: string;
  title: string;
  description?: string;
}

type JsonObject = Record<string, unknown>;

/**
 * A Graph API message body as terminal lines (`bot: ...`), with its reply buttons or list rows numbered from
 * `firstNumber`. Text, interactive buttons and lists, templates, media, locations and reactions.
 */
export function renderBotMessage(body: JsonObject, firstNumber = 1): { lines: string[]; options: ChatOption[] } {
  const type = typeof body['type'] === 'string' ? body['type'] : 'text';
  const content = record(body[type]);
  const lines: string[] = [];
  const options: ChatOption[] = [];
  const say = (text: string) => lines.push(...text.split('\n').map((line, index) => (index === 0 ? `bot: ${line}` : `     ${line}`)));
  const offer = (option: ChatOption, suffix = '') => {
    options.push(option);
    lines.push(`     [${firstNumber + options.length - 1}] ${option.title}${suffix}`);
  };

  switch (type) {
    case 'text':
      say(text(content['body']));
      break;
    case 'interactive': {
      const header = record(content['header']);
      const parts = [header['type'] === 'text' ? text(header['text']) : '', text(record(content['body'])['text'])].filter((part) => part !== '');
      say(parts.join('\n') || `[${text(content['type']) || 'interactive'}]`);
      const action = record(content['action']);
      for (const button of list(action['buttons'])) {
        const reply = record(record(button)['reply']);
        offer({ kind: 'button', id: text(reply['id']), title: text(reply['title']) });
      }
      const sections = list(action['sections']);
      if (sections.length > 0) lines.push(`     ${text(action['button']) || 'Options'}:`);
      for (const section of sections) {
        const title = text(record(section)['title']);
        if (title !== '' && sections.length > 1) lines.push(`     ${title}`);
        for (const row of list(record(section)['rows'])) {
          const entry = record(row);
          const description = text(entry['description']);
          offer({ kind: 'list', id: text(entry['id']), title: text(entry['title']), ...(description ? { description } : {}) }, description ? ` — ${description}` : '');
        }
      }
      const parameters = record(action['parameters']);
      if (content['type'] === 'cta_url') lines.push(`     ${text(parameters['display_text'])}: ${text(parameters['url'])}`);
      const footer = text(record(content['footer'])['text']);
      if (footer !== '') lines.push(`     (${footer})`);
      break;
    }
    case 'template': {
      const values = list(content['components']).flatMap((component) =>
        list(record(component)['parameters']).map((parameter) => text(record(parameter)['text'])).filter((value) => value !== ''),
      );
      say(`[template ${text(content['name'])} (${text(record(content['language'])['code'])})]${values.length > 0 ? ` ${values.join(' · ')}` : ''}`);
      break;
    }
    case 'location':
      say(`[location] ${[text(content['name']), text(content['address'])].filter(Boolean).join(', ')} (${String(content['latitude'])}, ${String(content['longitude'])})`);
      break;
    case 'reaction':
      say(`[reaction ${text(content['emoji']) || 'removed'}]`);
      break;
    default: {
      const detail = [text(content['caption']), text(content['filename']), text(content['link'])].filter(Boolean).join(' ');
      say(`[${type}]${detail ? ` ${detail}` : ''}`);
    }
  }
  return { lines, options };
}

function record(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The text the model sees for one inbound message, or why the message is stored but not answered. */
export interface RenderedMessage {
  text: string | null;
  ignoredReason: string | null;
  /** The id of a pressed reply button or list row, or a template button's payload: what code (not the model) acts on. */
  actionId?: string;
}

type JsonObject = Record<string, unknown>;

/**
 * Renders one webhook `messages[]` item as text for the model. Exactly one of `text` and `ignoredReason` is
 * non-null; reasons: `reaction`, `system`, `unsupported`, `empty`, `missing_type`, `missing_object:<key>`,
 * `unknown_type:<type>`, `unknown_interactive:<subtype>`.
 */
export function renderMessage(message: Record<string, unknown>): RenderedMessage {
  const type = message.type;
  if (typeof type !== 'string' || type === '') return ignored('missing_type');
  const rendered = renderByType(type, message);
  if (rendered.text === null) return rendered;
  const headline = adHeadline(message.referral);
  return headline === null ? rendered : { text: `${rendered.text} (via ad: ${headline})`, ignoredReason: null };
}

function renderByType(type: string, message: JsonObject): RenderedMessage {
  // Each known type is read only from its own key: `message[type]` for an arbitrary type could walk the prototype.
  switch (type) {
    case 'reaction':
    case 'system':
    case 'unsupported':
      return ignored(type);
    case 'text': {
      const text = message.text;
      if (!isRecord(text)) return ignored('missing_object:text');
      return textOrEmpty(userText(text.body));
    }
    case 'image':
    case 'video': {
      const media = message[type];
      if (!isRecord(media)) return ignored(`missing_object:${type}`);
      return rendered(withDetail(`[${type}]`, userText(media.caption)));
    }
    case 'document': {
      const document = message.document;
      if (!isRecord(document)) return ignored('missing_object:document');
      const filename = userText(document.filename);
      const label = filename === null ? '[document]' : `[document: ${filename}]`;
      return rendered(withDetail(label, userText(document.caption)));
    }
    case 'audio': {
      const audio = message.audio;
      if (!isRecord(audio)) return ignored('missing_object:audio');
      return rendered(audio.voice === true ? '[voice note]' : '[audio]');
    }
    case 'sticker':
      if (!isRecord(message.sticker)) return ignored('missing_object:sticker');
      return rendered('[sticker]');
    case 'location': {
      const location = message.location;
      if (!isRecord(location)) return ignored('missing_object:location');
      return rendered(renderLocation(location));
    }
    case 'contacts': {
      const contacts = message.contacts;
      if (!Array.isArray(contacts)) return ignored('missing_object:contacts');
      return rendered(renderContacts(contacts));
    }
    case 'interactive': {
      const interactive = message.interactive;
      if (!isRecord(interactive)) return ignored('missing_object:interactive');
      return renderInteractive(interactive);
    }
    case 'button': {
      const button = message.button;
      if (!isRecord(button)) return ignored('missing_object:button');
      return withAction(textOrEmpty(userText(button.text) ?? userText(button.payload)), button.payload);
    }
    case 'order': {
      const order = message.order;
      if (!isRecord(order)) return ignored('missing_object:order');
      return rendered(renderOrder(order));
    }
    default:
      // Meta adds types without notice; the message is still stored, just not answered.
      return ignored(`unknown_type:${type}`);
  }
}

function renderLocation(location: JsonObject): string {
  const place = joinPresent([userText(location.name), userText(location.address)], ', ');
  const latitude = coordinate(location.latitude);
  const longitude = coordinate(location.longitude);
  const coordinates = latitude !== null && longitude !== null ? `(${latitude}, ${longitude})` : null;
  return withDetail('[location]', joinPresent([place, coordinates], ' '));
}

function renderContacts(contacts: unknown[]): string {
  const described: string[] = [];
  for (const contact of contacts) {
    if (!isRecord(contact)) continue;
    const phones: string[] = [];
    if (Array.isArray(contact.phones)) {
      for (const phone of contact.phones) {
        if (!isRecord(phone)) continue;
        const number = userText(phone.phone) ?? userText(phone.wa_id);
        if (number !== null) phones.push(number);
      }
    }
    const description = joinPresent([contactName(contact.name), phones.length > 0 ? phones.join(', ') : null], ' ');
    if (description !== null) described.push(description);
  }
  return withDetail('[shared contact]', described.length > 0 ? described.join('; ') : null);
}

function contactName(name: unknown): string | null {
  if (!isRecord(name)) return null;
  return userText(name.formatted_name) ?? joinPresent([userText(name.first_name), userText(name.last_name)], ' ');
}

function withAction(message: RenderedMessage, id: unknown): RenderedMessage {
  return message.text !== null && typeof id === 'string' && id !== '' && id.length <= 256 ? { ...message, actionId: id } : message;
}

function renderInteractive(interactive: JsonObject): RenderedMessage {
  const subtype = typeof interactive.type === 'string' ? interactive.type : '';
  switch (subtype) {
    case 'button_reply': {
      const reply = interactive.button_reply;
      if (!isRecord(reply)) return ignored('missing_object:button_reply');
      // The id is the business's own label: a poorer answer than the title, but better than dropping the tap.
      return withAction(textOrEmpty(userText(reply.title) ?? userText(reply.id)), reply.id);
    }
    case 'list_reply': {
      const reply = interactive.list_reply;
      if (!isRecord(reply)) return ignored('missing_object:list_reply');
      const title = userText(reply.title) ?? userText(reply.id);
      if (title === null) return ignored('empty');
      const description = userText(reply.description);
      return withAction(rendered(description === null ? title : `${title} — ${description}`), reply.id);
    }
    case 'nfm_reply': {
      const reply = interactive.nfm_reply;
      if (!isRecord(reply)) return ignored('missing_object:nfm_reply');
      return rendered(withDetail('[form submitted]', compactJson(reply.response_json)));
    }
    default:
      return ignored(`unknown_interactive:${subtype}`);
  }
}

// `response_json` is a second JSON document inside a string: re-serialising makes it compact whatever spacing the
// Flow used, and text that is not JSON is still the user's answer, so it passes through as sent.
function compactJson(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    try {
      return JSON.stringify(JSON.parse(value));
    } catch {
      return value.trimEnd();
    }
  }
  if (value === undefined || value === null) return null;
  return JSON.stringify(value) ?? null;
}

function renderOrder(order: JsonObject): string {
  const items: string[] = [];
  if (Array.isArray(order.product_items)) {
    for (const item of order.product_items) {
      if (!isRecord(item)) continue;
      const sku = userText(item.product_retailer_id) ?? 'item';
      const quantity = finiteNumber(item.quantity);
      const price = finiteNumber(item.item_price);
      const currency = userText(item.currency);
      let line = quantity === null ? sku : `${quantity} × ${sku}`;
      if (price !== null) line += currency === null ? ` at ${price.toFixed(2)}` : ` at ${price.toFixed(2)} ${currency}`;
      items.push(line);
    }
  }
  const summary = withDetail('[order]', items.length > 0 ? items.join('; ') : null);
  const note = userText(order.text);
  return note === null ? summary : `${summary} — ${note}`;
}

function adHeadline(referral: unknown): string | null {
  if (!isRecord(referral) || typeof referral.headline !== 'string') return null;
  const headline = referral.headline.trim();
  return headline === '' ? null : headline;
}

/** What the user typed, kept as written except trailing whitespace; null when absent or blank. */
function userText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trimEnd();
  return text.trim() === '' ? null : text;
}

function coordinate(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return value.trim();
  return null;
}

function finiteNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

function withDetail(label: string, detail: string | null): string {
  return detail === null ? label : `${label} ${detail}`;
}

function joinPresent(parts: Array<string | null>, separator: string): string | null {
  let joined: string | null = null;
  for (const part of parts) {
    if (part === null) continue;
    joined = joined === null ? part : `${joined}${separator}${part}`;
  }
  return joined;
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rendered(text: string): RenderedMessage {
  return { text, ignoredReason: null };
}

function textOrEmpty(text: string | null): RenderedMessage {
  return text === null ? ignored('empty') : rendered(text);
}

function ignored(reason: string): RenderedMessage {
  return { text: null, ignoredReason: reason };
}

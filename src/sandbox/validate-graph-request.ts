import { invalidParameter, invalidValue, missingParameter, type GraphError } from './graph-error.js';

/** What a `POST /{version}/{phone_number_id}/messages` body asks for, once it passed Meta's checks. */
export type GraphRequest =
  | {
      kind: 'send';
      /** Meta's `type` (`text` when absent, as Meta assumes). */
      type: string;
      /** The conversation key of the recipient: the number's digits, or the BSUID as given. */
      userId: string;
      /** `to` or `recipient` as sent (echoed in the answer's `contacts[].input`). */
      input: string;
    }
  | { kind: 'read'; messageId: string; typing: boolean };

type JsonObject = Record<string, unknown>;

const MESSAGE_TYPES = ['audio', 'contacts', 'document', 'image', 'interactive', 'location', 'reaction', 'sticker', 'template', 'text', 'video'];
const MEDIA_TYPES = new Set(['audio', 'document', 'image', 'sticker', 'video']);
const INTERACTIVE_TYPES = ['address_message', 'button', 'call_permission_request', 'catalog_message', 'cta_url', 'flow', 'list', 'location_request_message', 'product', 'product_list'];
const TEMPLATE_COMPONENTS = new Set(['header', 'body', 'footer', 'button', 'buttons', 'carousel', 'limited_time_offer']);

/**
 * Checks a Graph API message body the way Meta does for what Switchboard sends (text, template, reply buttons,
 * lists, media, location, contacts, reactions, read receipts and typing indicators), and answers with Meta's
 * codes: 100 for a missing or malformed parameter, 131008 / 131009 for a missing or invalid value.
 */
export function validateGraphRequest(body: unknown): GraphRequest | { kind: 'invalid'; error: GraphError } {
  try {
    return check(body);
  } catch (error) {
    if (error instanceof Refusal) return { kind: 'invalid', error: error.graphError };
    throw error;
  }
}

class Refusal extends Error {
  constructor(readonly graphError: GraphError) {
    super(graphError.message);
  }
}

function refuse(error: GraphError): never {
  throw new Refusal(error);
}

function check(body: unknown): GraphRequest {
  if (!isRecord(body)) refuse(invalidParameter('the request body must be a JSON object'));
  if (body.messaging_product === undefined) refuse({ httpStatus: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
  if (body.messaging_product !== 'whatsapp') refuse(invalidParameter(`messaging_product must be "whatsapp", got ${JSON.stringify(body.messaging_product)}`));

  if (body.status !== undefined) {
    if (body.status !== 'read') refuse(invalidParameter(`status must be "read", got ${JSON.stringify(body.status)}`));
    const messageId = requiredString(body, 'message_id', 'message_id');
    let typing = false;
    if (body.typing_indicator !== undefined) {
      const indicator = requiredObject(body, 'typing_indicator', 'typing_indicator');
      if (indicator.type !== 'text') refuse(invalidValue('typing_indicator.type must be "text"'));
      typing = true;
    }
    return { kind: 'read', messageId, typing };
  }

  if (body.recipient_type !== undefined && body.recipient_type !== 'individual' && body.recipient_type !== 'group') {
    refuse(invalidParameter(`recipient_type must be "individual" or "group", got ${JSON.stringify(body.recipient_type)}`));
  }
  const recipient = recipientOf(body);
  if (body.context !== undefined) {
    const context = requiredObject(body, 'context', 'context');
    requiredString(context, 'message_id', 'context.message_id');
  }

  const type = body.type === undefined ? 'text' : body.type;
  if (typeof type !== 'string' || !MESSAGE_TYPES.includes(type)) {
    refuse({ httpStatus: 400, code: 100, message: `(#100) Param type must be one of {${MESSAGE_TYPES.map((name) => name.toUpperCase()).join(', ')}} - got ${JSON.stringify(type)}.` });
  }
  const content = body[type];
  if (type !== 'contacts' && !isRecord(content)) refuse({ httpStatus: 400, code: 100, message: `(#100) The parameter ${type} is required.` });

  switch (type) {
    case 'text':
      checkText(content as JsonObject);
      break;
    case 'template':
      checkTemplate(content as JsonObject);
      break;
    case 'interactive':
      checkInteractive(content as JsonObject);
      break;
    case 'location':
      checkLocation(content as JsonObject);
      break;
    case 'contacts':
      checkContacts(content);
      break;
    case 'reaction':
      requiredString(content as JsonObject, 'message_id', 'reaction.message_id');
      if (typeof (content as JsonObject).emoji !== 'string') refuse(missingParameter('reaction.emoji'));
      break;
    default:
      if (MEDIA_TYPES.has(type)) checkMedia(type, content as JsonObject);
  }
  return { kind: 'send', type, ...recipient };
}

function recipientOf(body: JsonObject): { userId: string; input: string } {
  if (body.to !== undefined) {
    if (typeof body.to !== 'string') refuse(invalidParameter('to must be a string'));
    // Meta accepts `+`, spaces, `-` and parentheses around the digits.
    const digits = body.to.replace(/[\s()+-]/g, '');
    if (!/^\d{5,20}$/.test(digits)) refuse(invalidParameter(`to must be a phone number with its country code, got ${JSON.stringify(body.to)}`));
    return { userId: digits, input: body.to };
  }
  if (body.recipient !== undefined) {
    if (typeof body.recipient !== 'string' || body.recipient.trim() === '') refuse(invalidParameter('recipient must be a business-scoped user id'));
    return { userId: body.recipient, input: body.recipient };
  }
  return refuse({ httpStatus: 400, code: 100, message: '(#100) The parameter to is required.' });
}

function checkText(text: JsonObject): void {
  const body = requiredString(text, 'body', 'text.body');
  if (body.length > 4096) refuse({ httpStatus: 400, code: 100, message: "(#100) Param text['body'] must be at most 4096 characters long." });
  if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean') refuse(invalidParameter('text.preview_url must be a boolean'));
}

function checkTemplate(template: JsonObject): void {
  const name = requiredString(template, 'name', 'template.name');
  if (name.length > 512) refuse(invalidValue('template.name is at most 512 characters'));
  const language = requiredObject(template, 'language', 'template.language');
  requiredString(language, 'code', 'template.language.code');
  if (template.components === undefined) return;
  if (!Array.isArray(template.components)) refuse(invalidParameter('template.components must be an array'));
  template.components.forEach((component, index) => {
    const path = `template.components[${index}]`;
    if (!isRecord(component)) refuse(invalidParameter(`${path} must be an object`));
    const type = requiredString(component, 'type', `${path}.type`);
    if (!TEMPLATE_COMPONENTS.has(type)) refuse(invalidValue(`${path}.type must be one of ${[...TEMPLATE_COMPONENTS].join(', ')}, got "${type}"`));
    if (type === 'button') {
      requiredString(component, 'sub_type', `${path}.sub_type`);
      if (component.index === undefined) refuse(missingParameter(`${path}.index`));
    }
    if (component.parameters === undefined) return;
    if (!Array.isArray(component.parameters)) refuse(invalidParameter(`${path}.parameters must be an array`));
    component.parameters.forEach((parameter, parameterIndex) => {
      const parameterPath = `${path}.parameters[${parameterIndex}]`;
      if (!isRecord(parameter)) refuse(invalidParameter(`${parameterPath} must be an object`));
      const parameterType = requiredString(parameter, 'type', `${parameterPath}.type`);
      if (parameterType === 'text') requiredString(parameter, 'text', `${parameterPath}.text`);
      else if (parameterType === 'payload') requiredString(parameter, 'payload', `${parameterPath}.payload`);
      else if (parameter[parameterType] === undefined) refuse(missingParameter(`${parameterPath}.${parameterType}`));
    });
  });
}

function checkInteractive(interactive: JsonObject): void {
  const type = requiredString(interactive, 'type', 'interactive.type');
  if (!INTERACTIVE_TYPES.includes(type)) refuse(invalidValue(`interactive.type must be one of ${INTERACTIVE_TYPES.join(', ')}, got "${type}"`));
  if (interactive.header !== undefined) {
    const header = requiredObject(interactive, 'header', 'interactive.header');
    const headerType = requiredString(header, 'type', 'interactive.header.type');
    if (headerType === 'text') limit(requiredString(header, 'text', 'interactive.header.text'), 60, 'Header text');
    else if (!['image', 'video', 'document'].includes(headerType)) refuse(invalidValue(`interactive.header.type must be text, image, video or document, got "${headerType}"`));
  }
  if (interactive.footer !== undefined) limit(requiredString(requiredObject(interactive, 'footer', 'interactive.footer'), 'text', 'interactive.footer.text'), 60, 'Footer text');
  const bodyRequired = type === 'button' || type === 'list' || type === 'cta_url' || type === 'flow' || type === 'product_list';
  if (bodyRequired || interactive.body !== undefined) {
    const bodyText = requiredString(requiredObject(interactive, 'body', 'interactive.body'), 'text', 'interactive.body.text');
    limit(bodyText, type === 'list' ? 4096 : 1024, 'Body text');
  }
  const action = requiredObject(interactive, 'action', 'interactive.action');
  if (type === 'button') checkButtons(action);
  else if (type === 'list') checkList(action);
  else if (type === 'cta_url') {
    const parameters = requiredObject(action, 'parameters', 'interactive.action.parameters');
    limit(requiredString(parameters, 'display_text', 'interactive.action.parameters.display_text'), 20, 'Button text');
    requiredString(parameters, 'url', 'interactive.action.parameters.url');
  }
}

function checkButtons(action: JsonObject): void {
  const buttons = action.buttons;
  if (!Array.isArray(buttons) || buttons.length === 0) refuse(missingParameter('interactive.action.buttons'));
  if (buttons.length > 3) refuse(invalidValue(`Number of buttons invalid. Min: 1, Max: 3; got ${buttons.length}`));
  const ids = new Set<string>();
  const titles = new Set<string>();
  buttons.forEach((button, index) => {
    const path = `interactive.action.buttons[${index}]`;
    if (!isRecord(button)) refuse(invalidParameter(`${path} must be an object`));
    if (button.type !== 'reply') refuse(invalidValue(`${path}.type must be "reply"`));
    const reply = requiredObject(button, 'reply', `${path}.reply`);
    const id = limit(requiredString(reply, 'id', `${path}.reply.id`), 256, 'Button id');
    const title = limit(requiredString(reply, 'title', `${path}.reply.title`), 20, 'Button title');
    if (ids.has(id)) refuse(invalidValue(`Duplicate button id "${id}"; button ids must be unique`));
    if (titles.has(title)) refuse(invalidValue(`Duplicate button title "${title}"; button titles must be unique`));
    ids.add(id);
    titles.add(title);
  });
}

function checkList(action: JsonObject): void {
  limit(requiredString(action, 'button', 'interactive.action.button'), 20, 'Button text');
  const sections = action.sections;
  if (!Array.isArray(sections) || sections.length === 0) refuse(missingParameter('interactive.action.sections'));
  if (sections.length > 10) refuse(invalidValue(`Number of sections invalid. Min: 1, Max: 10; got ${sections.length}`));
  const ids = new Set<string>();
  sections.forEach((section, index) => {
    const path = `interactive.action.sections[${index}]`;
    if (!isRecord(section)) refuse(invalidParameter(`${path} must be an object`));
    if (sections.length > 1 || section.title !== undefined) limit(requiredString(section, 'title', `${path}.title`), 24, 'Section title');
    const rows = section.rows;
    if (!Array.isArray(rows) || rows.length === 0) refuse(missingParameter(`${path}.rows`));
    rows.forEach((row, rowIndex) => {
      const rowPath = `${path}.rows[${rowIndex}]`;
      if (!isRecord(row)) refuse(invalidParameter(`${rowPath} must be an object`));
      const id = limit(requiredString(row, 'id', `${rowPath}.id`), 200, 'Row id');
      limit(requiredString(row, 'title', `${rowPath}.title`), 24, 'Row title');
      if (row.description !== undefined) {
        if (typeof row.description !== 'string') refuse(invalidParameter(`${rowPath}.description must be a string`));
        limit(row.description, 72, 'Row description', 0);
      }
      if (ids.has(id)) refuse(invalidValue(`Duplicate row id "${id}"; row ids must be unique across sections`));
      ids.add(id);
    });
  });
  if (ids.size > 10) refuse(invalidValue(`Total row count invalid. Min: 1, Max: 10; got ${ids.size}`));
}

function checkMedia(type: string, media: JsonObject): void {
  if (typeof media.id !== 'string' && typeof media.link !== 'string') refuse(missingParameter(`${type}.id or ${type}.link`));
  if (media.caption !== undefined) {
    if (type === 'audio' || type === 'sticker') refuse(invalidParameter(`${type} does not take a caption`));
    if (typeof media.caption !== 'string') refuse(invalidParameter(`${type}.caption must be a string`));
    limit(media.caption, 1024, 'Caption', 0);
  }
}

function checkLocation(location: JsonObject): void {
  for (const field of ['latitude', 'longitude'] as const) {
    const value = typeof location[field] === 'string' ? Number(location[field]) : location[field];
    if (location[field] === undefined) refuse(missingParameter(`location.${field}`));
    if (typeof value !== 'number' || !Number.isFinite(value)) refuse(invalidValue(`location.${field} must be a number`));
  }
}

function checkContacts(contacts: unknown): void {
  if (!Array.isArray(contacts) || contacts.length === 0) refuse(missingParameter('contacts'));
  contacts.forEach((contact, index) => {
    if (!isRecord(contact)) refuse(invalidParameter(`contacts[${index}] must be an object`));
    requiredString(requiredObject(contact, 'name', `contacts[${index}].name`), 'formatted_name', `contacts[${index}].name.formatted_name`);
  });
}

function requiredString(object: JsonObject, key: string, path: string): string {
  const value = object[key];
  if (value === undefined || value === null || value === '') refuse(missingParameter(path));
  if (typeof value !== 'string') refuse(invalidParameter(`${path} must be a string`));
  return value;
}

function requiredObject(object: JsonObject, key: string, path: string): JsonObject {
  const value = object[key];
  if (value === undefined || value === null) refuse(missingParameter(path));
  if (!isRecord(value)) refuse(invalidParameter(`${path} must be an object`));
  return value;
}

/** Meta counts characters, not bytes; `min` is 1 unless said otherwise. */
function limit(text: string, max: number, what: string, min = 1): string {
  const length = [...text].length;
  if (length < min || length > max) refuse(invalidValue(`${what} length invalid. Min length: ${min}, Max length: ${max}; got ${length}`));
  return text;
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

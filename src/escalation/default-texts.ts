import type { UserAddress } from '../ports/inbound.js';
import { toE164 } from '../shared/phone.js';

/** Why a conversation was handed to a human. */
export type EscalationTrigger =
  | { kind: 'keyword'; keyword: string }
  /** The model asked for a human (hand-off tool); `reason` is its own words, when given. */
  | { kind: 'handoff'; reason: string | null }
  /** The model failed and the fallback message was sent. */
  | { kind: 'model_failure' };

/** One earlier message of the conversation, oldest first, as shown to the agent. */
export interface RecentMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** What the agent notification tells the human agent. */
export interface AgentNotificationInput {
  businessName: string;
  user: UserAddress;
  /** `contacts[].profile.name`, when Meta sent it. */
  contactName?: string | null;
  trigger: EscalationTrigger;
  /** Oldest first; only the last RECENT_MESSAGE_COUNT are shown, each cut to RECENT_MESSAGE_MAX_CHARS. */
  recentMessages: readonly RecentMessage[];
}

/** Built-in texts of one language. */
export interface EscalationTexts {
  /** The language code these texts are written in (`en`, `pt`, ...). */
  language: string;
  /** Told to the user when a human takes over. */
  escalationMessage: string;
  /** Told to the user when the model failed and a human was asked to help. */
  fallbackMessage: string;
  /** Builds the text sent to the human agent. */
  agentNotification(input: AgentNotificationInput): string;
}

/** How many earlier messages the agent notification shows. */
export const RECENT_MESSAGE_COUNT = 6;
/** Longer messages are cut (with `…`) so the notification stays well under WhatsApp's 4096 characters. */
export const RECENT_MESSAGE_MAX_CHARS = 300;

interface Wording {
  escalationMessage: string;
  fallbackMessage: string;
  // Right-to-left languages put each value on its own line: a `+` before the digits would otherwise be
  // drawn on the wrong side, and invisible direction marks would break copying the number into a dialer.
  rightToLeft: boolean;
  header(businessName: string): string;
  number: string;
  bsuid: string;
  name: string;
  reason: string;
  keyword(keyword: string): string;
  handoff(reason: string | null): string;
  modelFailure: string;
  recent: string;
  userRole: string;
  botRole: string;
  noMessages: string;
  paused: string;
}

const WORDINGS = {
  en: {
    escalationMessage: "Thanks — I'm connecting you with a member of our team. Someone will reply here shortly.",
    fallbackMessage:
      "Sorry, I can't answer right now. I've asked a member of our team to help you; they will reply here shortly.",
    rightToLeft: false,
    header: (business) => `${business}: a customer needs a member of the team.`,
    number: 'Number:',
    bsuid: 'User id (number not shared):',
    name: 'Name:',
    reason: 'Reason:',
    keyword: (keyword) => `keyword "${keyword}"`,
    handoff: (reason) => (reason ? `the assistant handed over: ${reason}` : 'the assistant handed over'),
    modelFailure: 'the assistant could not answer (model error)',
    recent: 'Last messages:',
    userRole: 'User',
    botRole: 'Bot',
    noMessages: '(no messages)',
    paused: 'The bot is paused for this user until the conversation is released.',
  },
  pt: {
    escalationMessage:
      'Obrigado — estou chamando alguém da nossa equipe. Em breve você receberá uma resposta por aqui.',
    fallbackMessage:
      'Desculpe, não consigo responder agora. Pedi a alguém da nossa equipe para ajudar você; em breve você receberá uma resposta por aqui.',
    rightToLeft: false,
    header: (business) => `${business}: um cliente precisa de alguém da equipe.`,
    number: 'Número:',
    bsuid: 'ID do usuário (número não compartilhado):',
    name: 'Nome:',
    reason: 'Motivo:',
    keyword: (keyword) => `palavra-chave "${keyword}"`,
    handoff: (reason) => (reason ? `o assistente transferiu o atendimento: ${reason}` : 'o assistente transferiu o atendimento'),
    modelFailure: 'o assistente não conseguiu responder (erro do modelo)',
    recent: 'Últimas mensagens:',
    userRole: 'Cliente',
    botRole: 'Bot',
    noMessages: '(nenhuma mensagem)',
    paused: 'O bot está pausado para este cliente até a conversa ser liberada.',
  },
  es: {
    escalationMessage:
      'Gracias — te estoy comunicando con un miembro de nuestro equipo. Alguien te responderá por aquí en breve.',
    fallbackMessage:
      'Lo siento, ahora no puedo responder. Le pedí a un miembro de nuestro equipo que te ayude; te responderá por aquí en breve.',
    rightToLeft: false,
    header: (business) => `${business}: un cliente necesita a alguien del equipo.`,
    number: 'Número:',
    bsuid: 'ID de usuario (número no compartido):',
    name: 'Nombre:',
    reason: 'Motivo:',
    keyword: (keyword) => `palabra clave "${keyword}"`,
    handoff: (reason) => (reason ? `el asistente transfirió la conversación: ${reason}` : 'el asistente transfirió la conversación'),
    modelFailure: 'el asistente no pudo responder (error del modelo)',
    recent: 'Últimos mensajes:',
    userRole: 'Cliente',
    botRole: 'Bot',
    noMessages: '(sin mensajes)',
    paused: 'El bot está en pausa para este cliente hasta que se libere la conversación.',
  },
  ar: {
    escalationMessage: 'شكرًا لك — سأحوّلك إلى أحد أعضاء فريقنا. سيرد عليك أحدهم هنا قريبًا.',
    fallbackMessage: 'عذرًا، لا أستطيع الرد الآن. لقد طلبت من أحد أعضاء فريقنا مساعدتك، وسيرد عليك هنا قريبًا.',
    rightToLeft: true,
    // Arabic first, so the paragraph reads right to left even when the business name is in Latin letters.
    header: (business) => `عميل لدى ${business} بحاجة إلى أحد أعضاء الفريق.`,
    number: 'الرقم:',
    bsuid: 'معرّف المستخدم (لم تتم مشاركة الرقم):',
    name: 'الاسم:',
    reason: 'السبب:',
    keyword: (keyword) => `الكلمة المفتاحية "${keyword}"`,
    handoff: (reason) => (reason ? `حوّل المساعد المحادثة: ${reason}` : 'حوّل المساعد المحادثة'),
    modelFailure: 'تعذّر على المساعد الرد (خطأ في النموذج)',
    recent: 'آخر الرسائل:',
    userRole: 'العميل',
    botRole: 'البوت',
    noMessages: '(لا توجد رسائل)',
    paused: 'البوت متوقف مؤقتًا لهذا العميل إلى أن تُعاد إليه المحادثة.',
  },
  fr: {
    escalationMessage:
      "Merci — je vous mets en relation avec un membre de notre équipe. Quelqu'un vous répondra ici sous peu.",
    fallbackMessage:
      "Désolé, je ne peux pas répondre pour le moment. J'ai demandé à un membre de notre équipe de vous aider ; il vous répondra ici sous peu.",
    rightToLeft: false,
    header: (business) => `${business} : un client a besoin d'un membre de l'équipe.`,
    number: 'Numéro :',
    bsuid: 'Identifiant utilisateur (numéro non partagé) :',
    name: 'Nom :',
    reason: 'Motif :',
    keyword: (keyword) => `mot-clé « ${keyword} »`,
    handoff: (reason) => (reason ? `l'assistant a transféré la conversation : ${reason}` : "l'assistant a transféré la conversation"),
    modelFailure: "l'assistant n'a pas pu répondre (erreur du modèle)",
    recent: 'Derniers messages :',
    userRole: 'Client',
    botRole: 'Bot',
    noMessages: '(aucun message)',
    paused: "Le bot est en pause pour ce client jusqu'à ce que la conversation soit libérée.",
  },
  de: {
    escalationMessage:
      'Danke — ich verbinde Sie mit einem Mitglied unseres Teams. Jemand wird Ihnen hier in Kürze antworten.',
    fallbackMessage:
      'Entschuldigung, ich kann gerade nicht antworten. Ich habe ein Mitglied unseres Teams gebeten, Ihnen zu helfen; Sie erhalten hier in Kürze eine Antwort.',
    rightToLeft: false,
    header: (business) => `${business}: Ein Kunde braucht ein Mitglied des Teams.`,
    number: 'Nummer:',
    bsuid: 'Benutzer-ID (Nummer nicht geteilt):',
    name: 'Name:',
    reason: 'Grund:',
    keyword: (keyword) => `Stichwort „${keyword}“`,
    handoff: (reason) => (reason ? `der Assistent hat übergeben: ${reason}` : 'der Assistent hat übergeben'),
    modelFailure: 'der Assistent konnte nicht antworten (Modellfehler)',
    recent: 'Letzte Nachrichten:',
    userRole: 'Kunde',
    botRole: 'Bot',
    noMessages: '(keine Nachrichten)',
    paused: 'Der Bot ist für diesen Kunden pausiert, bis die Unterhaltung freigegeben wird.',
  },
} satisfies Record<string, Wording>;

type Language = keyof typeof WORDINGS;

/** Languages with built-in texts; any other language gets English. */
export const ESCALATION_LANGUAGES = Object.freeze(Object.keys(WORDINGS) as Language[]);

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat.length <= maxChars) return flat;
  let end = maxChars - 1;
  const last = flat.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // keep surrogate pairs whole
  return `${flat.slice(0, end)}…`;
}

function describeTrigger(wording: Wording, trigger: EscalationTrigger): string {
  switch (trigger.kind) {
    case 'keyword':
      return wording.keyword(trigger.keyword);
    case 'handoff':
      return wording.handoff(trigger.reason === null ? null : oneLine(trigger.reason, RECENT_MESSAGE_MAX_CHARS) || null);
    case 'model_failure':
      return wording.modelFailure;
    default: {
      const unexpected: never = trigger;
      throw new Error(`unknown escalation trigger ${JSON.stringify(unexpected)}`);
    }
  }
}

function buildAgentNotification(wording: Wording, input: AgentNotificationInput): string {
  const field = (label: string, value: string) => (wording.rightToLeft ? `${label}\n${value}` : `${label} ${value}`);
  const lines = [wording.header(input.businessName)];
  // The agent has to reach the user, so the full number is shown here (never in logs).
  lines.push(input.user.kind === 'phone' ? field(wording.number, toE164(input.user.value)) : field(wording.bsuid, input.user.value));
  const name = input.contactName ? oneLine(input.contactName, 100) : '';
  if (name) lines.push(field(wording.name, name));
  lines.push(field(wording.reason, describeTrigger(wording, input.trigger)));
  lines.push(wording.recent);
  const recent = input.recentMessages.slice(-RECENT_MESSAGE_COUNT);
  if (recent.length === 0) lines.push(wording.noMessages);
  for (const message of recent) {
    const role = message.role === 'user' ? wording.userRole : wording.botRole;
    lines.push(`${role}: ${oneLine(message.text, RECENT_MESSAGE_MAX_CHARS)}`);
  }
  lines.push(wording.paused);
  return lines.join('\n');
}

const TEXTS = new Map<string, EscalationTexts>(
  (Object.entries(WORDINGS) as Array<[Language, Wording]>).map(([language, wording]) => [
    language,
    Object.freeze({
      language,
      escalationMessage: wording.escalationMessage,
      fallbackMessage: wording.fallbackMessage,
      agentNotification: (input: AgentNotificationInput) => buildAgentNotification(wording, input),
    }),
  ]),
);

/** Built-in texts for a language tag: `pt-BR`, `pt_BR` and `PT` give `pt`; unknown languages give `en`. */
export function textsFor(language: string): EscalationTexts {
  const primary = language.trim().toLowerCase().split(/[-_]/, 1)[0] ?? '';
  return TEXTS.get(primary) ?? TEXTS.get('en')!;
}

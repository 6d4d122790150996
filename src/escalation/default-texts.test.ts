import { describe, it, expect } from 'vitest';
import { ESCALATION_LANGUAGES, RECENT_MESSAGE_COUNT, textsFor } from './default-texts.js';

describe('textsFor', () => {
  it('gives English texts', () => {
    const texts = textsFor('en');
    expect(texts.language).toBe('en');
    expect(texts.escalationMessage).toBe(
      "Thanks — I'm connecting you with a member of our team. Someone will reply here shortly.",
    );
    expect(texts.fallbackMessage).toBe(
      "Sorry, I can't answer right now. I've asked a member of our team to help you; they will reply here shortly.",
    );
  });

  it('maps regional tags to their language and unknown languages to English', () => {
    expect(textsFor('pt-BR').language).toBe('pt');
    expect(textsFor('pt_BR').escalationMessage).toBe(textsFor('pt').escalationMessage);
    expect(textsFor('ES').language).toBe('es');
    expect(textsFor('ar-EG').language).toBe('ar');
    expect(textsFor('ja').language).toBe('en');
    expect(textsFor('constructor').language).toBe('en');
    expect(textsFor('').language).toBe('en');
  });

  it('has distinct texts in every language', () => {
    expect(ESCALATION_LANGUAGES).toEqual(['en', 'pt', 'es', 'ar', 'fr', 'de']);
    const messages = new Set(ESCALATION_LANGUAGES.map((language) => textsFor(language).fallbackMessage));
    expect(messages.size).toBe(ESCALATION_LANGUAGES.length);
  });
});

describe('agentNotification', () => {
  it('shows the business, the full number, the trigger, the last messages and the pause', () => {
    const text = textsFor('en').agentNotification({
      businessName: 'Acme Dental',
      user: { kind: 'phone', value: '5511987654321' },
      contactName: 'Maria',
      trigger: { kind: 'keyword', keyword: 'emergência' },
      recentMessages: [
        { role: 'user', text: 'oi' },
        { role: 'assistant', text: 'Olá! Como posso ajudar?' },
        { role: 'user', text: 'é uma emergência,\nestou com dor' },
      ],
    });
    expect(text).toBe(
      [
        'Acme Dental: a customer needs a member of the team.',
        'Number: +5511987654321',
        'Name: Maria',
        'Reason: keyword "emergência"',
        'Last messages:',
        'User: oi',
        'Bot: Olá! Como posso ajudar?',
        'User: é uma emergência, estou com dor',
        'The bot is paused for this user until the conversation is released.',
      ].join('\n'),
    );
  });

  it('keeps only the last messages and cuts long ones', () => {
    const recentMessages = Array.from({ length: 10 }, (_, index) => ({ role: 'user' as const, text: `message ${index}` }));
    recentMessages.push({ role: 'user', text: 'x'.repeat(1000) });
    const text = textsFor('en').agentNotification({
      businessName: 'Acme',
      user: { kind: 'phone', value: '15551234567' },
      trigger: { kind: 'model_failure' },
      recentMessages,
    });
    const lines = text.split('\n').filter((line) => line.startsWith('User: '));
    expect(lines).toHaveLength(RECENT_MESSAGE_COUNT);
    expect(lines[0]).toBe('User: message 5');
    expect(lines.at(-1)).toBe(`User: ${'x'.repeat(299)}…`);
    expect(text).toContain('Reason: the assistant could not answer (model error)');
    expect(text).not.toContain('Name:');
  });

  it('names BSUID users and hand-off reasons, and says when there are no messages', () => {
    const text = textsFor('pt-BR').agentNotification({
      businessName: 'Loja',
      user: { kind: 'bsuid', value: 'BR.abc123' },
      trigger: { kind: 'handoff', reason: 'quer negociar o preço' },
      recentMessages: [],
    });
    expect(text).toContain('ID do usuário (número não compartilhado): BR.abc123');
    expect(text).toContain('Motivo: o assistente transferiu o atendimento: quer negociar o preço');
    expect(text).toContain('(nenhuma mensagem)');
    expect(text).toContain('O bot está pausado para este cliente até a conversa ser liberada.');
  });

  it('puts values on their own line in Arabic', () => {
    const text = textsFor('ar').agentNotification({
      businessName: 'Acme',
      user: { kind: 'phone', value: '971501234567' },
      trigger: { kind: 'keyword', keyword: 'عاجل' },
      recentMessages: [{ role: 'user', text: 'هذا عاجل' }],
    });
    expect(text.split('\n')).toEqual([
      'عميل لدى Acme بحاجة إلى أحد أعضاء الفريق.',
      'الرقم:',
      '+971501234567',
      'السبب:',
      'الكلمة المفتاحية "عاجل"',
      'آخر الرسائل:',
      'العميل: هذا عاجل',
      'البوت متوقف مؤقتًا لهذا العميل إلى أن تُعاد إليه المحادثة.',
    ]);
  });
});

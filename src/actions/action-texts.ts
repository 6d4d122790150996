/** Texts that code (not the model) sends for actions, per language; unknown languages get English. */
export interface ActionTexts {
  /** Sent instead of a reply that stated a price, for tenants with `guardrails.no_prices`. */
  priceWithheld: string;
  reviewRequest(input: { orderId: string; customer: string; lines: string[]; total: string }): string;
  approve: string;
  reject: string;
  orderPendingReview: string;
  orderApproved(orderId: string, total: string): string;
  orderRejected(orderId: string): string;
  managerDecided(orderId: string, decision: 'confirmed' | 'rejected'): string;
  managerAlreadyDecided(orderId: string, status: string): string;
}

const TEXTS: Record<string, ActionTexts> = {
  en: {
    priceWithheld: "I can't quote prices here, but one of our agents can give you exact figures. Would you like me to connect you with an agent?",
    reviewRequest: ({ orderId, customer, lines, total }) => `Order ${orderId} from ${customer} needs your approval:\n${lines.join('\n')}\nTotal: ${total}`,
    approve: 'Approve',
    reject: 'Reject',
    orderPendingReview: 'Your order is above our approval limit, so a manager will review it. We will message you here as soon as it is decided.',
    orderApproved: (orderId, total) => `Good news: your order ${orderId} (${total}) has been approved and is confirmed.`,
    orderRejected: (orderId) => `Sorry, your order ${orderId} could not be approved. A member of our team will contact you about it.`,
    managerDecided: (orderId, decision) => `Order ${orderId} ${decision === 'confirmed' ? 'approved' : 'rejected'}. The customer has been told.`,
    managerAlreadyDecided: (orderId, status) => `Order ${orderId} was already ${status}; nothing changed.`,
  },
  pt: {
    priceWithheld: 'Não posso informar preços por aqui, mas um dos nossos consultores pode passar os valores exatos. Quer que eu chame um consultor?',
    reviewRequest: ({ orderId, customer, lines, total }) => `O pedido ${orderId} de ${customer} precisa da sua aprovação:\n${lines.join('\n')}\nTotal: ${total}`,
    approve: 'Aprovar',
    reject: 'Recusar',
    orderPendingReview: 'Seu pedido passa do nosso limite de aprovação, então um gerente vai analisá-lo. Avisaremos por aqui assim que houver uma decisão.',
    orderApproved: (orderId, total) => `Boa notícia: seu pedido ${orderId} (${total}) foi aprovado e está confirmado.`,
    orderRejected: (orderId) => `Desculpe, seu pedido ${orderId} não pôde ser aprovado. Alguém da nossa equipe vai entrar em contato.`,
    managerDecided: (orderId, decision) => `Pedido ${orderId} ${decision === 'confirmed' ? 'aprovado' : 'recusado'}. O cliente foi avisado.`,
    managerAlreadyDecided: (orderId, status) => `O pedido ${orderId} já estava ${status}; nada mudou.`,
  },
  es: {
    priceWithheld: 'No puedo dar precios por aquí, pero uno de nuestros agentes puede darte las cifras exactas. ¿Quieres que te ponga en contacto con un agente?',
    reviewRequest: ({ orderId, customer, lines, total }) => `El pedido ${orderId} de ${customer} necesita tu aprobación:\n${lines.join('\n')}\nTotal: ${total}`,
    approve: 'Aprobar',
    reject: 'Rechazar',
    orderPendingReview: 'Tu pedido supera nuestro límite de aprobación, así que lo revisará un gerente. Te escribiremos aquí en cuanto se decida.',
    orderApproved: (orderId, total) => `Buenas noticias: tu pedido ${orderId} (${total}) fue aprobado y está confirmado.`,
    orderRejected: (orderId) => `Lo sentimos, tu pedido ${orderId} no pudo ser aprobado. Alguien de nuestro equipo te contactará.`,
    managerDecided: (orderId, decision) => `Pedido ${orderId} ${decision === 'confirmed' ? 'aprobado' : 'rechazado'}. Se avisó al cliente.`,
    managerAlreadyDecided: (orderId, status) => `El pedido ${orderId} ya estaba ${status}; no cambió nada.`,
  },
  ar: {
    priceWithheld: 'لا يمكنني ذكر الأسعار هنا، لكن أحد وكلائنا يمكنه إعطاؤك الأرقام الدقيقة. هل تود أن أوصلك بأحد الوكلاء؟',
    reviewRequest: ({ orderId, customer, lines, total }) => `الطلب ${orderId} من ${customer} يحتاج إلى موافقتك:\n${lines.join('\n')}\nالإجمالي: ${total}`,
    approve: 'موافقة',
    reject: 'رفض',
    orderPendingReview: 'طلبك يتجاوز حد الموافقة لدينا، لذلك سيراجعه أحد المديرين. سنراسلك هنا فور اتخاذ القرار.',
    orderApproved: (orderId, total) => `أخبار سارة: تمت الموافقة على طلبك ${orderId} (${total}) وتم تأكيده.`,
    orderRejected: (orderId) => `نأسف، لم تتم الموافقة على طلبك ${orderId}. سيتواصل معك أحد أعضاء فريقنا.`,
    managerDecided: (orderId, decision) => `الطلب ${orderId} ${decision === 'confirmed' ? 'تمت الموافقة عليه' : 'تم رفضه'}. تم إبلاغ العميل.`,
    managerAlreadyDecided: (orderId, status) => `الطلب ${orderId} كان بالفعل ${status}؛ لم يتغير شيء.`,
  },
};

/** Built-in action texts for a language tag (`pt-BR` → `pt`). */
export function actionTextsFor(language: string): ActionTexts {
  const primary = language.trim().toLowerCase().split(/[-_]/, 1)[0] ?? '';
  return TEXTS[primary] ?? TEXTS['en']!;
}

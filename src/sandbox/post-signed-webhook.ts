import { metaJson, signWebhook } from './webhook-envelope.js';

/** What the server's own `POST /webhook` answered. */
export interface WebhookAnswer {
  status: number;
  text: string;
}

/**
 * POSTs a webhook body to `${baseUrl}/webhook` over HTTP, serialised like Meta and signed with the app secret:
 * the path a real delivery takes, signature check included. Throws when there is no HTTP answer.
 */
export async function postSignedWebhook(baseUrl: string, body: unknown, appSecret: string, signal?: AbortSignal): Promise<WebhookAnswer> {
  const raw = metaJson(body);
  const response = await fetch(`${baseUrl}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, appSecret) },
    body: raw,
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

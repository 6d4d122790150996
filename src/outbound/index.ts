export { GraphClient, type GraphClientOptions, type OutgoingMessage } from './graph-client.js';
export { splitText, TEXT_BODY_LIMIT } from './split-text.js';
export { classifyGraphError } from './classify-graph-error.js';
export { deliverPending } from './deliver-pending.js';

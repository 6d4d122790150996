/** One model call, recorded per tenant: the base for budgets, fairness and figures. */
export interface ModelCallRecord {
  tenantId: string;
  turnId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  ok: boolean;
  errorCode: string | null;
  at: number;
}

export interface UsageLog {
  recordModelCall(record: ModelCallRecord): Promise<void>;
  /** Tokens used by a tenant since `sinceMs`. */
  tokensSince(tenantId: string, sinceMs: number): Promise<number>;
}

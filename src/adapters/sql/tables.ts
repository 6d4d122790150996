import type { Generated } from 'kysely';

/** Row shapes of the SQL schema (see migrations.ts). Times are Unix milliseconds. */
export interface Tables {
  conversations: {
    tenant_id: string;
    user_id: string;
    address_kind: string;
    contact_name: string | null;
    mode: string;
    mode_reason: string | null;
    mode_changed_at: number | null;
    session_started_at: number;
    last_activity_at: number;
    last_inbound_at: number | null;
    created_at: number;
  };
  webhook_journal: {
    id: Generated<number>;
    body: string;
    received_at: number;
  };
  inbound_messages: {
    id: Generated<number>;
    tenant_id: string;
    user_id: string;
    wa_message_id: string;
    address_kind: string;
    type: string;
    text: string | null;
    ignored_reason: string | null;
    contact_name: string | null;
    raw: string;
    sent_at: number;
    received_at: number;
    state: string;
    turn_id: string | null;
    /** The id of the reply button the user pressed, for an interactive reply. */
    action_id: string | null;
  };
  history: {
    id: Generated<number>;
    tenant_id: string;
    user_id: string;
    role: string;
    content: string;
    turn_id: string;
    created_at: number;
  };
  outbox: {
    id: Generated<number>;
    tenant_id: string;
    recipient_id: string;
    address_kind: string;
    kind: string;
    idempotency_key: string;
    body: string;
    context_message_id: string | null;
    state: string;
    attempts: number;
    wa_message_id: string | null;
    error_code: number | null;
    error_detail: string | null;
    created_at: number;
    sent_at: number | null;
    updated_at: number;
  };
  parked_statuses: {
    id: Generated<number>;
    tenant_id: string;
    wa_message_id: string;
    status: string;
    error_code: number | null;
    error_detail: string | null;
    received_at: number;
  };
  jobs: {
    id: Generated<number>;
    name: string;
    tenant_id: string;
    job_key: string;
    payload: string;
    run_at: number;
    attempts: number;
    /** The worker running the job; while set, run_at is the lease's expiry. */
    locked_by: string | null;
    /** 1 when the job was scheduled again while it ran: it runs once more, at rerun_at. */
    dirty: number;
    rerun_at: number | null;
    last_error: string | null;
    created_at: number;
    /** `replace` or `keep`: the JobRequest's onExisting, for the scale mode's relay to BullMQ. */
    on_existing: Generated<string>;
  };
  dead_letters: {
    id: Generated<number>;
    job_name: string;
    tenant_id: string;
    job_key: string;
    payload: string;
    attempts: number;
    error: string;
    failed_at: number;
    retried_at: number | null;
  };
  escalations: {
    id: Generated<number>;
    tenant_id: string;
    user_id: string;
    kind: string;
    trigger: string;
    created_at: number;
  };
  model_calls: {
    id: Generated<number>;
    tenant_id: string;
    turn_id: string;
    model: string;
    input_tokens: number;
    output_tokens: number;
    duration_ms: number;
    ok: number;
    error_code: string | null;
    created_at: number;
  };
  leads: {
    tenant_id: string;
    user_id: string;
    /** LeadFields as JSON. */
    fields: string;
    version: number;
    synced_version: number | null;
    created_at: number;
    updated_at: number;
  };
  appointments: {
    id: string;
    tenant_id: string;
    user_id: string;
    start_at: number;
    end_at: number;
    /** held | confirmed | cancelled | released; at most one held or confirmed row per tenant and start_at. */
    status: string;
    hold_expires_at: number | null;
    held_in_turn: string;
    replaces_id: string | null;
    created_at: number;
    updated_at: number;
  };
  orders: {
    id: string;
    tenant_id: string;
    user_id: string;
    status: string;
    currency: string;
    /** OrderLine[] as JSON. */
    lines: string;
    total_minor: number;
    note: string | null;
    decided_by: string | null;
    decided_by_message: string | null;
    created_at: number;
    updated_at: number;
  };
  follow_up_log: {
    id: Generated<number>;
    tenant_id: string;
    user_id: string;
    job_key: string;
    occurrence: string;
    rule_id: string;
    trigger: string;
    subject_id: string;
    outcome: string;
    via: string | null;
    reason: string | null;
    outbox_key: string | null;
    created_at: number;
  };
  admin_tokens: {
    id: string;
    tenant_id: string;
    name: string;
    /** Lower-case hex SHA-256 of the token. */
    token_hash: string;
    created_at: number;
    revoked_at: number | null;
  };
  admin_audit: {
    id: Generated<number>;
    /** `admin` or `tenant` (a scoped token, then token_id and tenant_id are set). */
    actor: string;
    token_id: string | null;
    tenant_id: string | null;
    method: string;
    route: string;
    /** Route parameters as JSON. */
    params: string;
    /** The body summary as JSON; null when there was no body. */
    body: string | null;
    status: number;
    created_at: number;
  };
}

import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { SwitchboardError } from '../../shared/errors.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * The schema, as ordered migrations written with Kysely's schema builder so that SQLite and
 * PostgreSQL get the same tables. Never edit a shipped migration: add the next one.
 */
function migrations(dialect: SqlDialectName): Record<string, Migration> {
  const withId = (db: Kysely<any>, table: string) => {
    const create = db.schema.createTable(table);
    return dialect === 'sqlite'
      ? create.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : create.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
  };
  return {
    '0001_core': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('conversations')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('address_kind', 'text', (c) => c.notNull())
          .addColumn('contact_name', 'text')
          .addColumn('mode', 'text', (c) => c.notNull().defaultTo('bot'))
          .addColumn('mode_reason', 'text')
          .addColumn('mode_changed_at', 'bigint')
          .addColumn('session_started_at', 'bigint', (c) => c.notNull())
          .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
          .addColumn('last_inbound_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('conversations_pk', ['tenant_id', 'user_id'])
          .execute();
        await db.schema.createIndex('conversations_mode').on('conversations').columns(['tenant_id', 'mode']).execute();

        await withId(db, 'inbound_messages')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('wa_message_id', 'text', (c) => c.notNull())
          .addColumn('address_kind', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('ignored_reason', 'text')
          .addColumn('contact_name', 'text')
          .addColumn('raw', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('turn_id', 'text')
          .addUniqueConstraint('inbound_messages_claim', ['tenant_id', 'wa_message_id'])
          .execute();
        await db.schema
          .createIndex('inbound_messages_mailbox')
          .on('inbound_messages')
          .columns(['tenant_id', 'user_id', 'id'])
          .where(sql.ref('state'), '=', sql.lit('pending')) // only the mailbox: it stays small as history grows
          .execute();

        await withId(db, 'history')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('turn_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('history_window').on('history').columns(['tenant_id', 'user_id', 'id']).execute();

        await withId(db, 'outbox')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('recipient_id', 'text', (c) => c.notNull())
          .addColumn('address_kind', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('context_message_id', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('wa_message_id', 'text')
          .addColumn('error_code', 'integer')
          .addColumn('error_detail', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('sent_at', 'bigint')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('outbox_queue')
          .on('outbox')
          .columns(['tenant_id', 'recipient_id', 'id'])
          .where(sql.ref('state'), '=', sql.lit('pending'))
          .execute();
        await db.schema.createIndex('outbox_wamid').on('outbox').columns(['tenant_id', 'wa_message_id']).execute();

        await withId(db, 'parked_statuses')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('wa_message_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error_code', 'integer')
          .addColumn('error_detail', 'text')
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('parked_statuses_wamid').on('parked_statuses').columns(['tenant_id', 'wa_message_id']).execute();
        await db.schema.createIndex('parked_statuses_age').on('parked_statuses').columns(['received_at']).execute();

        await withId(db, 'jobs')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('job_key', 'text', (c) => c.notNull().unique())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('run_at', 'bigint', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('locked_by', 'text')
          .addColumn('dirty', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('rerun_at', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('jobs_due').on('jobs').columns(['run_at']).execute();

        await withId(db, 'dead_letters')
          .addColumn('job_name', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('job_key', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('error', 'text', (c) => c.notNull())
          .addColumn('failed_at', 'bigint', (c) => c.notNull())
          .addColumn('retried_at', 'bigint')
          .execute();
        await db.schema.createIndex('dead_letters_tenant').on('dead_letters').columns(['tenant_id', 'id']).execute();

        await withId(db, 'escalations')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('trigger', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('escalations_tenant').on('escalations').columns(['tenant_id', 'created_at']).execute();

        await withId(db, 'model_calls')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('turn_id', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('input_tokens', 'integer', (c) => c.notNull())
          .addColumn('output_tokens', 'integer', (c) => c.notNull())
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .addColumn('ok', 'integer', (c) => c.notNull())
          .addColumn('error_code', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('model_calls_tenant').on('model_calls').columns(['tenant_id', 'created_at']).execute();
      },
    },
    '0002_actions': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('leads')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('synced_version', 'integer')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('leads_pk', ['tenant_id', 'user_id'])
          .execute();
        await db.schema.createIndex('leads_recent').on('leads').columns(['tenant_id', 'updated_at']).execute();

        await db.schema
          .createTable('appointments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('start_at', 'bigint', (c) => c.notNull())
          .addColumn('end_at', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('hold_expires_at', 'bigint')
          .addColumn('held_in_turn', 'text', (c) => c.notNull())
          .addColumn('replaces_id', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('appointments_user').on('appointments').columns(['tenant_id', 'user_id']).execute();
        await db.schema.createIndex('appointments_calendar').on('appointments').columns(['tenant_id', 'start_at']).execute();
        // The double-booking guard: one live (held or confirmed) appointment per tenant and start, enforced
        // by the database so that concurrent workers cannot both win. It cannot see time, so the store
        // releases expired holds of a slot before holding it.
        await db.schema
          .createIndex('appointments_slot')
          .unique()
          .on('appointments')
          .columns(['tenant_id', 'start_at'])
          .where(sql<boolean>`status in ('held', 'confirmed')`)
          .execute();

        await db.schema
          .createTable('orders')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('lines', 'text', (c) => c.notNull())
          .addColumn('total_minor', 'bigint', (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('decided_by', 'text')
          .addColumn('decided_by_message', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('orders_user').on('orders').columns(['tenant_id', 'user_id']).execute();
        await db.schema.createIndex('orders_status').on('orders').columns(['tenant_id', 'status']).execute();

        // The id of a pressed reply button, when the inbound message is one.
        await db.schema.alterTable('inbound_messages').addColumn('action_id', 'text').execute();
      },
    },
    '0003_follow_ups': {
      async up(db: Kysely<any>) {
        await withId(db, 'follow_up_log')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('job_key', 'text', (c) => c.notNull())
          .addColumn('occurrence', 'text', (c) => c.notNull())
          .addColumn('rule_id', 'text', (c) => c.notNull())
          .addColumn('trigger', 'text', (c) => c.notNull())
          .addColumn('subject_id', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('via', 'text')
          .addColumn('reason', 'text')
          .addColumn('outbox_key', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('follow_up_log_occurrence', ['tenant_id', 'occurrence'])
          .execute();
        await db.schema.createIndex('follow_up_log_tenant').on('follow_up_log').columns(['tenant_id', 'id']).execute();
      },
    },
    '0004_admin': {
      async up(db: Kysely<any>) {
        // Tenant-scoped admin API tokens: only the SHA-256 of the secret is kept.
        await db.schema
          .createTable('admin_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .execute();

        // Every write through the admin API: who, what, the answer's status, when.
        await withId(db, 'admin_audit')
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('token_id', 'text')
          .addColumn('tenant_id', 'text')
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('body', 'text')
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('admin_audit_tenant').on('admin_audit').columns(['tenant_id', 'id']).execute();

        // The console's figures and health read messages by tenant and time.
        await db.schema.createIndex('inbound_messages_received').on('inbound_messages').columns(['tenant_id', 'received_at']).execute();
        await db.schema.createIndex('outbox_sent').on('outbox').columns(['tenant_id', 'sent_at']).execute();
        await db.schema.createIndex('orders_created').on('orders').columns(['tenant_id', 'created_at']).execute();
        await db.schema.createIndex('appointments_updated').on('appointments').columns(['tenant_id', 'updated_at']).execute();
      },
    },
    '0005_job_relay': {
      async up(db: Kysely<any>) {
        // Scale mode relays job rows to BullMQ: each row says how its schedule treats an existing job of its key.
        await db.schema.alterTable('jobs').addColumn('on_existing', 'text', (c) => c.notNull().defaultTo('replace')).execute();
      },
    },
    '0006_webhook_journal': {
      async up(db: Kysely<any>) {
        // Verified webhook bodies between their 200 and their distribution into mailboxes: appended, read oldest
        // first and deleted, so the primary key is its only index.
        await withId(db, 'webhook_journal')
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  };
}

/** Brings the schema up to date; refuses a database whose schema is newer than this code. */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new SwitchboardError({
      code: 'DATABASE_MIGRATION_FAILED',
      message: `database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

// The SQL adapters wired as app.ts wires them, and every port contract they implement: registered once
// here, run by sqlite.test.ts and postgres.test.ts, so the two dialects cannot drift apart.
import type { SqlDatabase } from '../../src/adapters/sql/open-database.js';
import { SqlAccessTokenStore } from '../../src/adapters/sql/sql-access-token-store.js';
import { SqlAppointmentStore } from '../../src/adapters/sql/sql-appointment-store.js';
import { SqlAuditLog } from '../../src/adapters/sql/sql-audit-log.js';
import { SqlConversationStore } from '../../src/adapters/sql/sql-conversation-store.js';
import { SqlInbox } from '../../src/adapters/sql/sql-inbox.js';
import { SqlJobQueue } from '../../src/adapters/sql/sql-job-queue.js';
import { SqlLeadStore } from '../../src/adapters/sql/sql-lead-store.js';
import { SqlOperationsQueries } from '../../src/adapters/sql/sql-operations-queries.js';
import { SqlOrderStore } from '../../src/adapters/sql/sql-order-store.js';
import { SqlOutbox } from '../../src/adapters/sql/sql-outbox.js';
import { SqlWebhookJournal } from '../../src/adapters/sql/sql-webhook-journal.js';
import { WriteBatcher } from '../../src/adapters/sql/write-batcher.js';
import { ManualClock } from '../helpers/switchboard.js';
import { accessTokenStoreContract } from './access-token-store.contract.js';
import { appointmentStoreContract } from './appointment-store.contract.js';
import { auditLogContract } from './audit-log.contract.js';
import { conversationStoreContract } from './conversation-store.contract.js';
import { inboxContract } from './inbox.contract.js';
import { jobQueueContract } from './job-queue.contract.js';
import { leadStoreContract } from './lead-store.contract.js';
import { operationsQueriesContract } from './operations-queries.contract.js';
import { orderStoreContract } from './order-store.contract.js';
import { outboxContract } from './outbox.contract.js';
import { webhookJournalContract } from './webhook-journal.contract.js';

/** Every SQL adapter on one database and one batcher; `close` closes the database. */
export function wireSqlStores(database: SqlDatabase, clock = new ManualClock()) {
  const batcher = new WriteBatcher(database.db);
  return {
    database,
    clock,
    queue: new SqlJobQueue(database.db, batcher, clock),
    inbox: new SqlInbox(batcher, clock),
    journal: new SqlWebhookJournal(database.db, batcher, clock),
    conversations: new SqlConversationStore(database.db, batcher),
    outbox: new SqlOutbox(database.db, batcher),
    leads: new SqlLeadStore(database.db, batcher),
    appointments: new SqlAppointmentStore(database.db, batcher),
    orders: new SqlOrderStore(database.db, batcher),
    accessTokens: new SqlAccessTokenStore(database.db, batcher),
    audit: new SqlAuditLog(database.db, batcher),
    queries: new SqlOperationsQueries(database.db),
    close: () => database.close(),
  };
}

export type SqlStores = ReturnType<typeof wireSqlStores>;

/** Registers every port contract of the SQL adapters; `open` gives each test empty stores. */
export function sqlContracts(adapterName: string, open: () => Promise<SqlStores>): void {
  jobQueueContract(adapterName, open);
  inboxContract(adapterName, open);
  webhookJournalContract(adapterName, open);
  conversationStoreContract(adapterName, open);
  outboxContract(adapterName, open);
  leadStoreContract(adapterName, open);
  appointmentStoreContract(adapterName, open);
  orderStoreContract(adapterName, open);
  accessTokenStoreContract(adapterName, open);
  auditLogContract(adapterName, open);
  operationsQueriesContract(adapterName, open);
}

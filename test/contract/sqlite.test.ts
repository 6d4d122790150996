// The embedded adapters (one SQLite database, group-committed writes) against every port contract.
import { openDatabase } from '../../src/adapters/sql/open-database.js';
import { SqlAppointmentStore } from '../../src/adapters/sql/sql-appointment-store.js';
import { SqlConversationStore } from '../../src/adapters/sql/sql-conversation-store.js';
import { SqlInbox } from '../../src/adapters/sql/sql-inbox.js';
import { SqlJobQueue } from '../../src/adapters/sql/sql-job-queue.js';
import { SqlLeadStore } from '../../src/adapters/sql/sql-lead-store.js';
import { SqlOrderStore } from '../../src/adapters/sql/sql-order-store.js';
import { SqlOutbox } from '../../src/adapters/sql/sql-outbox.js';
import { WriteBatcher } from '../../src/adapters/sql/write-batcher.js';
import { ManualClock } from '../helpers/switchboard.js';
import { appointmentStoreContract } from './appointment-store.contract.js';
import { conversationStoreContract } from './conversation-store.contract.js';
import { inboxContract } from './inbox.contract.js';
import { jobQueueContract } from './job-queue.contract.js';
import { leadStoreContract } from './lead-store.contract.js';
import { orderStoreContract } from './order-store.contract.js';
import { outboxContract } from './outbox.contract.js';

/** A fresh migrated in-memory database with every SQL adapter on one batcher, as app.ts wires them. */
async function openSqliteStores() {
  const database = await openDatabase('sqlite::memory:');
  const clock = new ManualClock();
  const batcher = new WriteBatcher(database.db);
  return {
    clock,
    queue: new SqlJobQueue(database.db, batcher, clock),
    inbox: new SqlInbox(batcher, clock),
    conversations: new SqlConversationStore(database.db, batcher),
    outbox: new SqlOutbox(database.db, batcher),
    leads: new SqlLeadStore(database.db, batcher),
    appointments: new SqlAppointmentStore(database.db, batcher),
    orders: new SqlOrderStore(database.db, batcher),
    close: () => database.close(),
  };
}

jobQueueContract('sqlite', openSqliteStores);
inboxContract('sqlite', openSqliteStores);
conversationStoreContract('sqlite', openSqliteStores);
outboxContract('sqlite', openSqliteStores);
leadStoreContract('sqlite', openSqliteStores);
appointmentStoreContract('sqlite', openSqliteStores);
orderStoreContract('sqlite', openSqliteStores);

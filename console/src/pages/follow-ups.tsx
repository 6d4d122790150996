// Follow-ups of the picked tenant: those scheduled (with Cancel) and what happened to the past ones.
import { tenantPath, type FollowUpHistoryEntry, type ScheduledFollowUp } from '../api';
import { ActionButton, Badge, Empty, ErrorNotice, Loading, PageHeader, useResource } from '../components/ui';
import { formatRelative, formatTime, formatUser } from '../format';
import { useSession } from '../session';

interface FollowUpsAnswer {
  scheduled: ScheduledFollowUp[];
  history: FollowUpHistoryEntry[];
}

const statusTone = (status: string) => (status === 'sent' ? 'ok' : status === 'failed' ? 'bad' : status === 'cancelled' ? 'muted' : 'warn');

export function FollowUpsPage() {
  const { api, tenantId, tenants } = useSession();
  const tenant = tenants.find((candidate) => candidate.id === tenantId);
  const followUps = useResource(() => api.get<FollowUpsAnswer>(tenantPath(tenantId, 'follow-ups')), [api, tenantId]);
  const scheduled = followUps.data?.scheduled ?? [];
  const history = followUps.data?.history ?? [];

  return (
    <section class="follow-ups">
      <PageHeader title="Follow-ups">
        {tenant && <span class="muted">{tenant.name}</span>}
        <button type="button" class="button plain" onClick={() => void followUps.reload()}>
          Refresh
        </button>
      </PageHeader>
      <ErrorNotice error={followUps.error} what="the follow-ups" />
      {!followUps.data && !followUps.error && <Loading what="follow-ups" />}
      {followUps.data && (
        <>
          <h2>Scheduled</h2>
          {scheduled.length === 0 ? (
            <Empty>Nothing scheduled.</Empty>
          ) : (
            <ul class="cards" aria-label="Scheduled follow-ups">
              {scheduled.map((item) => (
                <li key={item.key} class="card follow-up">
                  <div class="order-head">
                    <strong>{item.ruleId ?? item.key}</strong>
                    {item.running ? <Badge tone="info">Running</Badge> : <Badge tone="muted">Due {formatRelative(item.dueAt)}</Badge>}
                  </div>
                  <p class="muted small">
                    {item.userId ? formatUser(item.userId) : ''} {item.trigger ? `· after ${item.trigger.replaceAll('_', ' ')}` : ''} · {formatTime(item.dueAt)}
                  </p>
                  {!item.running && (
                    <div class="card-actions">
                      <ActionButton
                        variant="danger"
                        aria-label={`Cancel follow-up ${item.key}`}
                        onClick={async () => {
                          await api.post(tenantPath(tenantId, 'follow-ups', item.key, 'cancel'));
                          await followUps.reload();
                        }}
                      >
                        Cancel
                      </ActionButton>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h2>History</h2>
          {history.length === 0 ? (
            <Empty>No follow-up has run yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="table" aria-label="Follow-up history">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Rule</th>
                    <th>Customer</th>
                    <th>Outcome</th>
                    <th>Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {history.map((entry) => (
                    <tr key={`${entry.key}-${entry.at}`}>
                      <td>{formatTime(entry.at)}</td>
                      <td>{entry.ruleId}</td>
                      <td>{formatUser(entry.userId)}</td>
                      <td>
                        <Badge tone={statusTone(entry.status)}>{entry.status}</Badge>
                      </td>
                      <td class="small">
                        {entry.via ? `by ${entry.via}` : ''}
                        {entry.reason ? ` ${entry.reason.replaceAll('_', ' ')}` : ''}
                        {entry.delivery?.errorDetail ? ` — ${entry.delivery.errorDetail}` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

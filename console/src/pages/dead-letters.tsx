// Jobs that kept failing (a dead CRM, a refused token): what failed, why, and Retry.
import type { DeadLetter } from '../api';
import { ActionButton, Badge, Empty, ErrorNotice, Loading, PageHeader, useResource } from '../components/ui';
import { formatRelative, formatTime } from '../format';
import { useSession } from '../session';

export function DeadLettersPage() {
  const { api, tenants } = useSession();
  // A staff token gets its own tenant's only; the admin sees every tenant's, each labelled.
  const deadLetters = useResource(async () => (await api.get<{ deadLetters: DeadLetter[] }>('/admin/dead-letters?limit=100')).deadLetters, [api]);
  const tenantName = (tenantId: string) => tenants.find((tenant) => tenant.id === tenantId)?.name ?? tenantId;

  return (
    <section class="dead-letters">
      <PageHeader title="Dead letters">
        <button type="button" class="button plain" onClick={() => void deadLetters.reload()}>
          Refresh
        </button>
      </PageHeader>
      <p class="hint">Jobs that failed for good or ran out of attempts. Retry runs one again from its first attempt.</p>
      <ErrorNotice error={deadLetters.error} what="the dead letters" />
      {!deadLetters.data && !deadLetters.error ? (
        <Loading what="dead letters" />
      ) : deadLetters.data && deadLetters.data.length === 0 ? (
        <Empty>No dead letters. Everything went through.</Empty>
      ) : (
        <ul class="cards" aria-label="Dead letters">
          {deadLetters.data?.map((letter) => (
            <li key={letter.id} class="card dead-letter">
              <div class="order-head">
                <strong>{letter.jobName}</strong>
                {letter.retriedAt ? <Badge tone="muted">Retried {formatRelative(letter.retriedAt)}</Badge> : <Badge tone="bad">{letter.attempts} attempts</Badge>}
              </div>
              <p class="muted small">
                {tenantName(letter.tenantId)} · failed {formatTime(letter.failedAt)} · <code>{letter.key}</code>
              </p>
              <pre class="error-text">{letter.error}</pre>
              {!letter.retriedAt && (
                <div class="card-actions">
                  <ActionButton
                    variant="primary"
                    aria-label={`Retry ${letter.jobName} ${letter.id}`}
                    onClick={async () => {
                      await api.post(`/admin/dead-letters/${encodeURIComponent(letter.id)}/retry`);
                      await deadLetters.reload();
                    }}
                  >
                    Retry
                  </ActionButton>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

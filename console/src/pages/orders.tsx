// Orders waiting for a manager's review, with Approve / Reject, and the tenant's recent decisions.
import { tenantPath, type Order } from '../api';
import { ActionButton, Badge, Empty, ErrorNotice, Loading, PageHeader, useDebounced, useResource } from '../components/ui';
import { formatMoney, formatRelative, formatTime, formatUser } from '../format';
import { Link } from '../router';
import { useLiveEvents, useSession } from '../session';

export function OrdersPage() {
  const { api, tenantId, tenants } = useSession();
  const tenant = tenants.find((candidate) => candidate.id === tenantId);
  const pending = useResource(
    async () => (await api.get<{ orders: Order[] }>(`${tenantPath(tenantId, 'orders')}?status=pending_review`)).orders,
    [api, tenantId],
  );
  const recent = useResource(async () => (await api.get<{ orders: Order[] }>(`${tenantPath(tenantId, 'orders')}?limit=20`)).orders, [api, tenantId]);

  const reloadSoon = useDebounced(() => {
    void pending.reload();
    void recent.reload();
  }, 100);
  useLiveEvents((event) => {
    if (event.tenantId === tenantId && (event.type === 'order.pending_review' || event.type === 'order.decided')) reloadSoon();
  });

  const decide = async (order: Order, decision: 'approve' | 'reject') => {
    await api.post(tenantPath(tenantId, 'orders', order.id, decision));
    await Promise.all([pending.reload(), recent.reload()]);
  };

  const decided = (recent.data ?? []).filter((order) => order.status !== 'pending_review');
  return (
    <section class="orders">
      <PageHeader title="Orders to review">{tenant && <span class="muted">{tenant.name}</span>}</PageHeader>
      <ErrorNotice error={pending.error} what="the orders" />
      {!pending.data && !pending.error ? (
        <Loading what="orders" />
      ) : pending.data && pending.data.length === 0 ? (
        <Empty>No order is waiting for a review.</Empty>
      ) : (
        <ul class="cards" aria-label="Orders waiting for review">
          {pending.data?.map((order) => (
            <li key={order.id} class="card order" data-order-id={order.id}>
              <div class="order-head">
                <strong class="order-total">{formatMoney(order.totalMinor, order.currency)}</strong>
                <Badge tone="warn">Waiting for review</Badge>
              </div>
              <p class="muted small">
                Order <code>{order.id}</code> · <Link to={`/inbox/${encodeURIComponent(order.tenantId)}/${encodeURIComponent(order.userId)}`}>{formatUser(order.userId)}</Link> ·{' '}
                {formatRelative(order.createdAt)}
              </p>
              <table class="lines">
                <tbody>
                  {order.lines.map((line) => (
                    <tr key={line.sku}>
                      <td>
                        {line.quantity} × {line.name}
                      </td>
                      <td class="number">{formatMoney(line.lineTotalMinor, order.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {order.note && <p class="small">“{order.note}”</p>}
              <div class="card-actions">
                <ActionButton variant="primary" onClick={() => decide(order, 'approve')} aria-label={`Approve order ${order.id}`}>
                  Approve
                </ActionButton>
                <ActionButton variant="danger" onClick={() => decide(order, 'reject')} aria-label={`Reject order ${order.id}`}>
                  Reject
                </ActionButton>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h2>Recent orders</h2>
      <ErrorNotice error={recent.error} what="recent orders" />
      {decided.length === 0 ? (
        <Empty>No decided orders yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" aria-label="Recent orders">
            <thead>
              <tr>
                <th>Order</th>
                <th>Customer</th>
                <th class="number">Total</th>
                <th>Status</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {decided.map((order) => (
                <tr key={order.id} data-order-id={order.id}>
                  <td>
                    <code>{order.id}</code>
                  </td>
                  <td>{formatUser(order.userId)}</td>
                  <td class="number">{formatMoney(order.totalMinor, order.currency)}</td>
                  <td>
                    <Badge tone={order.status === 'rejected' || order.status === 'cancelled' ? 'bad' : 'ok'}>{order.status.replaceAll('_', ' ')}</Badge>
                  </td>
                  <td>{formatTime(order.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

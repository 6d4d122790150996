// The overview: each tenant's health, and the picked tenant's figures over time.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { tenantPath, type FigureValues, type Figures, type TenantSummary } from '../api';
import { TimeChart, type ChartSeries } from '../components/time-chart';
import { Badge, ErrorNotice, Loading, PageHeader, useDebounced, useResource } from '../components/ui';
import { formatCount, formatDuration, formatRelative } from '../format';
import { useLiveEvents, useSession } from '../session';

const ranges = {
  '24h': { label: '24 hours', ms: 24 * 3600_000, bucket: 'hour' },
  '7d': { label: '7 days', ms: 7 * 24 * 3600_000, bucket: 'day' },
  '30d': { label: '30 days', ms: 30 * 24 * 3600_000, bucket: 'day' },
} as const;
type RangeKey = keyof typeof ranges;

const colors = { in: '#0f766e', out: '#2563eb', turns: '#7c3aed', escalations: '#dc2626', leads: '#d97706', bookings: '#0891b2', orders: '#16a34a', output: '#475569', p50: '#0f766e', p95: '#b45309' };

export function OverviewPage() {
  const { tenants, tenantId, reloadTenants } = useSession();
  const tenant = tenants.find((candidate) => candidate.id === tenantId);
  // The health numbers move with the traffic: fresh on opening, then after bursts of events.
  const reloadHealth = useDebounced(() => void reloadTenants().catch(() => {}), 500);
  useEffect(() => void reloadTenants().catch(() => {}), [reloadTenants]);
  useLiveEvents(reloadHealth);
  return (
    <section class="overview">
      <PageHeader title="Overview" />
      <TenantHealthList tenants={tenants} />
      {tenant ? <TenantFigures tenant={tenant} /> : <p class="empty">No tenant to show.</p>}
    </section>
  );
}

function TenantHealthList(props: { tenants: TenantSummary[] }) {
  const { setTenantId, tenantId } = useSession();
  return (
    <ul class="health-list" aria-label="Tenants">
      {props.tenants.map((tenant) => {
        const { health } = tenant;
        return (
          <li key={tenant.id} class={`health card ${tenant.id === tenantId ? 'selected' : ''}`} data-tenant={tenant.id}>
            <button type="button" class="health-select" onClick={() => setTenantId(tenant.id)} aria-pressed={tenant.id === tenantId}>
              <span class="health-name">{tenant.name}</span>
              <Badge tone={health.ok ? 'ok' : 'warn'}>{health.ok ? 'Healthy' : 'Needs attention'}</Badge>
            </button>
            <p class="health-meta">
              <code>{tenant.id}</code> · {tenant.language} · {tenant.provider}/{tenant.model}
            </p>
            <p class="health-numbers">
              <span>
                <strong>{formatCount(health.messagesLastHour)}</strong> messages in the last hour
              </span>
              <span>
                <strong>{formatCount(health.pendingTurns)}</strong> waiting for the bot
              </span>
              <span class={health.deadLetters > 0 ? 'warn-text' : ''}>
                <strong>{formatCount(health.deadLetters)}</strong> dead letters
              </span>
              <span>last message {formatRelative(health.lastInboundAt)}</span>
            </p>
            {health.problems.length > 0 && (
              <details class="health-problems">
                <summary>{health.problems.length === 1 ? '1 problem' : `${health.problems.length} problems`}</summary>
                <ul>
                  {health.problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function TenantFigures(props: { tenant: TenantSummary }) {
  const { api } = useSession();
  const [range, setRange] = useState<RangeKey>('24h');
  const figures = useResource(async () => {
    const to = Date.now();
    const { ms, bucket } = ranges[range];
    const query = new URLSearchParams({ from: String(to - ms), to: String(to), bucket });
    return api.get<Figures>(`${tenantPath(props.tenant.id, 'figures')}?${query.toString()}`);
  }, [props.tenant.id, range, api]);

  // New messages move the numbers: refresh once per burst.
  const reloadFigures = useDebounced(() => void figures.reload(), 500);
  useLiveEvents((event) => {
    if (event.tenantId === props.tenant.id) reloadFigures();
  });

  return (
    <section class="figures" aria-labelledby="figures-title">
      <div class="section-header">
        <h2 id="figures-title">{props.tenant.name}</h2>
        <div class="segmented" role="group" aria-label="Period">
          {(Object.keys(ranges) as RangeKey[]).map((key) => (
            <button key={key} type="button" aria-pressed={range === key} class={range === key ? 'active' : ''} onClick={() => setRange(key)}>
              {key}
            </button>
          ))}
        </div>
      </div>
      <ErrorNotice error={figures.error} what="the figures" />
      {figures.data ? <FigureBoard figures={figures.data} /> : !figures.error && <Loading what="figures" />}
    </section>
  );
}

type Pick = (values: FigureValues) => number | null;

const tiles: Array<{ key: string; label: string; pick: Pick; format?: (value: number | null | undefined) => string }> = [
  { key: 'messagesIn', label: 'Messages in', pick: (values) => values.messagesIn },
  { key: 'messagesOut', label: 'Messages out', pick: (values) => values.messagesOut },
  { key: 'turns', label: 'Turns', pick: (values) => values.turns },
  { key: 'escalations', label: 'Escalations', pick: (values) => values.escalations },
  { key: 'leads', label: 'Complete leads', pick: (values) => values.leads },
  { key: 'bookings', label: 'Bookings', pick: (values) => values.bookings },
  { key: 'ordersPlaced', label: 'Orders', pick: (values) => values.ordersPlaced },
  { key: 'ordersPendingReview', label: 'Orders to review', pick: (values) => values.ordersPendingReview },
  { key: 'modelTokens', label: 'Model tokens', pick: (values) => values.modelTokens },
  { key: 'replyMedian', label: 'Reply time, median', pick: (values) => values.replyTimeMs.median, format: formatDuration },
  { key: 'replyP95', label: 'Reply time, p95', pick: (values) => values.replyTimeMs.p95, format: formatDuration },
];

function FigureBoard(props: { figures: Figures }) {
  const { figures } = props;
  const times = useMemo(() => figures.series.map((point) => point.start), [figures]);
  const charts = useMemo(() => {
    const values = (pick: Pick) => figures.series.map((point) => pick(point));
    const chart = (title: string, series: ChartSeries[], formatValue?: (value: number) => string) => ({ title, series, formatValue });
    return [
      chart('Messages', [
        { label: 'In', color: colors.in, values: values((point) => point.messagesIn), style: 'bars' },
        { label: 'Out', color: colors.out, values: values((point) => point.messagesOut) },
      ]),
      chart('Turns and escalations', [
        { label: 'Turns', color: colors.turns, values: values((point) => point.turns), style: 'bars' },
        { label: 'Escalations', color: colors.escalations, values: values((point) => point.escalations) },
      ]),
      chart('Leads, bookings, orders', [
        { label: 'Complete leads', color: colors.leads, values: values((point) => point.leads) },
        { label: 'Bookings', color: colors.bookings, values: values((point) => point.bookings) },
        { label: 'Orders', color: colors.orders, values: values((point) => point.ordersPlaced) },
      ]),
      chart('Model tokens', [{ label: 'Tokens', color: colors.output, values: values((point) => point.modelTokens), style: 'bars' }], (value) => formatCount(value)),
      chart(
        'Reply time',
        [
          { label: 'Median', color: colors.p50, values: values((point) => point.replyTimeMs.median) },
          { label: 'p95', color: colors.p95, values: values((point) => point.replyTimeMs.p95) },
        ],
        (value) => formatDuration(value),
      ),
    ];
  }, [figures]);

  return (
    <>
      <dl class="tiles">
        {tiles.map((tile) => (
          <div class="tile" key={tile.key} data-figure={tile.key}>
            <dt>{tile.label}</dt>
            <dd>{(tile.format ?? formatCount)(tile.pick(figures.totals))}</dd>
          </div>
        ))}
      </dl>
      <div class="charts">
        {charts.map((chart) => (
          <TimeChart key={chart.title} title={chart.title} times={times} series={chart.series} {...(chart.formatValue ? { formatValue: chart.formatValue } : {})} />
        ))}
      </div>
    </>
  );
}

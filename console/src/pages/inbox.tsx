// The live inbox: conversations (escalated ones first, as they happen) and one conversation's transcript,
// where an agent takes over, answers and gives the conversation back to the bot.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { tenantPath, type ConversationSummary, type Mode, type TranscriptEntry } from '../api';
import { ActionButton, Badge, describe, Empty, ErrorNotice, Loading, PageHeader, useDebounced, useResource } from '../components/ui';
import { formatReason, formatRelative, formatTime, formatUser } from '../format';
import { renderGraphBody, type ChatButton } from '../graph-body';
import { Link, navigate } from '../router';
import { useLiveEvents, useSession, type LiveEvent } from '../session';

interface Selected {
  tenantId: string;
  userId: string;
}

const keyOf = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;

export function InboxPage(props: { selected: Selected | null }) {
  const { selected } = props;
  return (
    <section class={`inbox ${selected ? 'has-selection' : ''}`}>
      <div class="inbox-list-pane">
        <PageHeader title="Inbox" />
        <ConversationList selected={selected} />
      </div>
      <div class="inbox-conversation-pane">
        {selected ? (
          <ConversationView key={keyOf(selected.tenantId, selected.userId)} tenantId={selected.tenantId} userId={selected.userId} />
        ) : (
          <Empty>Pick a conversation. Escalated conversations appear here as they happen.</Empty>
        )}
      </div>
    </section>
  );
}

function ConversationList(props: { selected: Selected | null }) {
  const { api, tenants, me } = useSession();
  const [scope, setScope] = useState<string>(me.role === 'admin' && tenants.length > 1 ? '' : tenants[0]?.id ?? '');
  const [mode, setMode] = useState<'' | Mode>('');
  /** Escalations seen live in this page, newest last: highlighted until opened. */
  const [fresh, setFresh] = useState<Map<string, { trigger: string; at: number }>>(new Map());
  /** Conversations known from live events before the list shows them, with when this page heard of them. */
  const [pending, setPending] = useState<Array<{ summary: ConversationSummary; seenAt: number }>>([]);

  const [limit, setLimit] = useState(50);
  const [more, setMore] = useState(false);
  const list = useResource(async () => {
    const startedAt = Date.now();
    const query = new URLSearchParams({ limit: String(limit) });
    if (scope) query.set('tenant', scope);
    if (mode) query.set('mode', mode);
    const answer = await api.get<{ conversations: ConversationSummary[]; nextCursor: string | null }>(`/admin/conversations?${query.toString()}`);
    // What was heard before this list was asked for is in it; what came since stays until the next one.
    setPending((current) => current.filter((entry) => entry.seenAt >= startedAt));
    setMore(answer.nextCursor !== null && limit < 500);
    return answer.conversations;
  }, [api, scope, mode, limit]);

  const reloadSoon = useDebounced(() => void list.reload(), 150);
  useLiveEvents((event: LiveEvent) => {
    if (scope && event.tenantId !== scope) return;
    if (event.type === 'conversation.escalated') {
      const key = keyOf(event.tenantId, event.userId);
      setFresh((current) => new Map(current).set(key, { trigger: event.trigger, at: event.at }));
      // Shown at once, before the list answers again.
      const summary: ConversationSummary = {
        tenantId: event.tenantId,
        userId: event.userId,
        contactName: null,
        mode: 'human',
        modeReason: event.trigger,
        modeChangedAt: event.at,
        lastActivityAt: event.at,
        lastInboundAt: event.at,
      };
      setPending((current) => [{ summary, seenAt: Date.now() }, ...current.filter((entry) => keyOf(entry.summary.tenantId, entry.summary.userId) !== key)]);
    }
    if (event.type === 'conversation.escalated' || event.type === 'conversation.mode_changed' || event.type === 'message.received' || event.type === 'message.sent') reloadSoon();
  });

  useEffect(() => {
    if (!props.selected) return;
    const key = keyOf(props.selected.tenantId, props.selected.userId);
    setFresh((current) => {
      if (!current.has(key)) return current;
      const next = new Map(current);
      next.delete(key);
      return next;
    });
  }, [props.selected?.tenantId, props.selected?.userId]);

  const rows = useMemo(() => {
    const byKey = new Map<string, ConversationSummary>();
    for (const entry of list.data ?? []) byKey.set(keyOf(entry.tenantId, entry.userId), entry);
    for (const { summary: entry } of pending) {
      const key = keyOf(entry.tenantId, entry.userId);
      const known = byKey.get(key);
      byKey.set(key, known ? { ...known, mode: entry.mode, lastActivityAt: Math.max(known.lastActivityAt, entry.lastActivityAt) } : entry);
    }
    const filtered = [...byKey.values()].filter((entry) => !mode || entry.mode === mode);
    // Conversations waiting for a human first, then the most recent.
    return filtered.sort((a, b) => (a.mode === b.mode ? b.lastActivityAt - a.lastActivityAt : a.mode === 'human' ? -1 : 1));
  }, [list.data, pending, mode]);

  const tenantName = (tenantId: string) => tenants.find((tenant) => tenant.id === tenantId)?.name ?? tenantId;

  return (
    <>
      <div class="filters">
        {tenants.length > 1 && (
          <label class="field inline">
            <select value={scope} onChange={(event) => setScope((event.currentTarget as HTMLSelectElement).value)} aria-label="Tenant filter">
              {me.role === 'admin' && <option value="">All tenants</option>}
              {tenants.map((tenant) => (
                <option key={tenant.id} value={tenant.id}>
                  {tenant.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <div class="segmented" role="group" aria-label="Mode">
          {(
            [
              ['', 'All'],
              ['human', 'Needs a human'],
              ['bot', 'Bot'],
            ] as const
          ).map(([value, label]) => (
            <button key={value} type="button" aria-pressed={mode === value} class={mode === value ? 'active' : ''} onClick={() => setMode(value)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      <ErrorNotice error={list.error} what="the conversations" />
      {!list.data && !list.error && pending.length === 0 ? (
        <Loading what="conversations" />
      ) : rows.length === 0 ? (
        <Empty>No conversations yet.</Empty>
      ) : (
        <ul class="conversation-list" aria-label="Conversations">
          {rows.map((row) => {
            const key = keyOf(row.tenantId, row.userId);
            const escalation = fresh.get(key);
            const active = props.selected && keyOf(props.selected.tenantId, props.selected.userId) === key;
            return (
              <li key={key} class={`conversation-row ${row.mode} ${escalation ? 'fresh' : ''} ${active ? 'active' : ''}`}>
                <Link to={`/inbox/${encodeURIComponent(row.tenantId)}/${encodeURIComponent(row.userId)}`} aria-current={active ? 'true' : undefined}>
                  <span class="conversation-who">
                    <strong>{row.contactName ?? formatUser(row.userId)}</strong>
                    {row.contactName && <span class="muted"> {formatUser(row.userId)}</span>}
                  </span>
                  <span class="conversation-when">{formatRelative(row.lastActivityAt)}</span>
                  <span class="conversation-meta">
                    <span class="muted">{tenantName(row.tenantId)}</span>
                    {row.mode === 'human' ? <Badge tone="bad">Human</Badge> : <Badge tone="muted">Bot</Badge>}
                    {escalation && <Badge tone="warn">Escalated: {formatReason(escalation.trigger)}</Badge>}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      {more && (
        <div class="more">
          <button type="button" class="button plain" onClick={() => setLimit((current) => Math.min(current + 50, 500))}>
            Show more
          </button>
        </div>
      )}
    </>
  );
}

/** A transcript entry as a bubble: who wrote it, its text and the buttons it offered. */
interface Bubble {
  id: string;
  direction: 'in' | 'out';
  author: 'customer' | 'bot' | 'agent' | 'automatic';
  text: string;
  buttons: ChatButton[];
  detail: string | null;
  at: number;
}

function toBubble(entry: TranscriptEntry): Bubble {
  if (entry.direction === 'in') {
    const text = entry.text ?? `[${entry.type}${entry.ignoredReason ? `: ${entry.ignoredReason.replaceAll('_', ' ')}` : ''}]`;
    return { id: entry.id, direction: 'in', author: 'customer', text, buttons: [], detail: entry.state === 'held' ? 'held for staff' : null, at: entry.at };
  }
  const rendered = renderGraphBody(entry.body);
  const author = entry.kind === 'reply' ? 'bot' : entry.kind === 'agent_message' ? 'agent' : 'automatic';
  const failed = entry.delivery.state === 'failed' ? `failed${entry.delivery.errorDetail ? `: ${entry.delivery.errorDetail}` : ''}` : entry.delivery.state;
  return { id: entry.id, direction: 'out', author, text: entry.text ?? rendered.text, buttons: rendered.buttons, detail: failed, at: entry.at };
}

function ConversationView(props: { tenantId: string; userId: string }) {
  const { api, tenants, setTenantId } = useSession();
  const { tenantId, userId } = props;
  // The header's tenant follows the conversation opened (its orders and figures are one tap away).
  useEffect(() => {
    if (tenants.some((tenant) => tenant.id === tenantId)) setTenantId(tenantId);
  }, [tenantId, tenants, setTenantId]);
  const base = tenantPath(tenantId, 'conversations', userId);
  const transcript = useResource(async () => {
    const [state, page] = await Promise.all([
      api.get<{ conversation: ConversationSummary }>(base),
      api.get<{ messages: TranscriptEntry[] }>(`${base}/messages?limit=100`),
    ]);
    return { conversation: state.conversation, messages: page.messages.map(toBubble) };
  }, [base, api]);
  const reloadSoon = useDebounced(() => void transcript.reload(), 100);
  useLiveEvents((event) => {
    if (event.tenantId === tenantId && event.userId === userId) reloadSoon();
  });

  const end = useRef<HTMLDivElement>(null);
  const count = transcript.data?.messages.length ?? 0;
  useEffect(() => end.current?.scrollIntoView({ block: 'nearest' }), [count]);

  const conversation = transcript.data?.conversation;
  const mode = conversation?.mode;
  const tenantName = tenants.find((tenant) => tenant.id === tenantId)?.name ?? tenantId;

  const setHandoff = async (action: 'takeover' | 'release') => {
    await api.post(`${base}/${action}`);
    await transcript.reload();
  };
  const reply = async (text: string) => {
    await api.post(`${base}/reply`, { text });
    await transcript.reload();
  };

  return (
    <article class="conversation" aria-label={`Conversation with ${formatUser(userId)}`}>
      <header class="conversation-header">
        <button type="button" class="button plain back" onClick={() => navigate('/inbox')} aria-label="Back to the inbox">
          ←
        </button>
        <div class="conversation-title">
          <h2>{conversation?.contactName ?? formatUser(userId)}</h2>
          <p class="muted">
            {tenantName}
            {conversation?.contactName ? ` · ${formatUser(userId)}` : ''}
          </p>
        </div>
        {mode && (
          <span data-testid="conversation-mode">{mode === 'human' ? <Badge tone="bad">Human mode</Badge> : <Badge tone="ok">Bot mode</Badge>}</span>
        )}
      </header>
      <div class="handoff-bar">
        {mode === 'bot' && (
          <ActionButton variant="primary" onClick={() => setHandoff('takeover')}>
            Take over
          </ActionButton>
        )}
        {mode === 'human' && <ActionButton onClick={() => setHandoff('release')}>Give back to bot</ActionButton>}
        {conversation?.modeReason && <span class="muted small">{mode === 'human' ? 'With staff' : 'With the bot'}: {formatReason(conversation.modeReason)}</span>}
      </div>
      <ErrorNotice error={transcript.error} what="the transcript" />
      <div class="transcript" aria-label="Transcript" aria-live="polite">
        {!transcript.data && !transcript.error && <Loading what="messages" />}
        {transcript.data?.messages.map((message) => (
          <div key={message.id} class={`bubble-row ${message.direction}`}>
            <div class={`bubble ${message.direction} ${message.author}`}>
              {message.author !== 'bot' && message.author !== 'customer' && <span class="bubble-author">{message.author === 'agent' ? 'Staff' : 'Automatic'}</span>}
              <p>{message.text}</p>
              {message.buttons.length > 0 && (
                <div class="bubble-buttons">
                  {message.buttons.map((button) => (
                    <span key={button.id} class="chip">
                      {button.title}
                    </span>
                  ))}
                </div>
              )}
              <span class="bubble-time">
                {formatTime(message.at)}
                {message.detail ? ` · ${message.detail}` : ''}
              </span>
            </div>
          </div>
        ))}
        <div ref={end} />
      </div>
      <ReplyBox enabled={mode === 'human'} onSend={reply} />
    </article>
  );
}

function ReplyBox(props: { enabled: boolean; onSend: (text: string) => Promise<void> }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed || !props.enabled) return;
    setBusy(true);
    setError(null);
    try {
      await props.onSend(trimmed);
      setText('');
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="reply-box" onSubmit={submit}>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      <div class="composer">
        <textarea
          aria-label="Reply as an agent"
          placeholder={props.enabled ? 'Answer as an agent…' : 'Take over to answer as an agent'}
          rows={2}
          disabled={!props.enabled || busy}
          value={text}
          onInput={(event) => setText((event.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void submit(event);
          }}
        />
        <button type="submit" class="button primary" disabled={!props.enabled || busy || text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}

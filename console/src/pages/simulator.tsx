// The simulator: chat with a tenant as a customer. Messages go through the real webhook path; replies come
// back from the sandbox's stand-in for the Graph API (WHATSAPP_SANDBOX=1), buttons included.
import { useEffect, useRef, useState } from 'preact/hooks';
import { tenantPath, type TranscriptEntry } from '../api';
import { describe, PageHeader } from '../components/ui';
import { formatTime } from '../format';
import { renderGraphBody, type ChatButton } from '../graph-body';
import { useSession } from '../session';

interface ChatEntry {
  /** The wamid: the bot's message id, or the id the server gave the customer's message. */
  id: string;
  direction: 'in' | 'out';
  text: string;
  buttons: ChatButton[];
  /** A header or footer line of an interactive message, a template's name. */
  note: string | null;
  at: number;
  /** For the customer's own messages. */
  state?: 'sending' | 'sent' | 'read' | 'failed';
}

/** What a `sandbox.message` event carries (src/ports/event-bus.ts). */
interface SandboxMessageEvent {
  type: 'sandbox.message';
  tenantId: string;
  userId: string;
  waMessageId: string;
  body: Record<string, unknown>;
  at: number;
}

const NUMBER_KEY = 'switchboard.simulator.number';

function randomNumber(): string {
  // The 555-01xx block of the North American plan is reserved for fiction.
  return `+1555010${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
}

export function SimulatorPage() {
  const { api, tenants, tenantId: headerTenant } = useSession();
  const [tenantId, setTenantId] = useState(headerTenant);
  const [number, setNumber] = useState(() => window.sessionStorage.getItem(NUMBER_KEY) ?? randomNumber());
  const [draft, setDraft] = useState('');
  const [entries, setEntries] = useState<ChatEntry[]>([]);
  /** The stream's state, and which conversation it is for (a new number starts a new stream). */
  const [stream, setStreamState] = useState<{ key: string; state: 'connecting' | 'live' | 'offline' }>({ key: '', state: 'connecting' });
  /** The number as typed: it becomes the chat's number when the field is left (or Enter), not at every key. */
  const [numberDraft, setNumberDraft] = useState(number);
  const [error, setError] = useState<string | null>(null);
  const [typing, setTyping] = useState(false);
  const end = useRef<HTMLDivElement>(null);
  const user = number.replace(/[^\d]/g, '');
  const streamKey = `${tenantId}:${user}`;
  const streamState = stream.key === streamKey ? stream.state : 'connecting';
  const tenant = tenants.find((candidate) => candidate.id === tenantId);

  useEffect(() => {
    window.sessionStorage.setItem(NUMBER_KEY, number);
    setNumberDraft(number);
  }, [number]);

  useEffect(() => {
    setEntries([]);
    setTyping(false);
    if (!tenantId || user.length < 5) return;
    const setStream = (state: 'connecting' | 'live' | 'offline') => setStreamState({ key: `${tenantId}:${user}`, state });
    setStream('connecting');
    let closed = false;
    const addBotMessage = (message: Omit<SandboxMessageEvent, 'type'>) =>
      setEntries((current) =>
        current.some((entry) => entry.id === message.waMessageId)
          ? current
          : [...current, { id: message.waMessageId, direction: 'in', at: message.at, ...renderGraphBody(message.body) }],
      );
    const onMessage = (message: MessageEvent<string>) => {
      let event: SandboxMessageEvent;
      try {
        event = JSON.parse(message.data) as SandboxMessageEvent;
      } catch {
        return;
      }
      if (event.type !== 'sandbox.message' || !event.body) return;
      if (event.body['status'] === 'read') {
        // The bot read the customer's message (and may be typing its answer).
        setEntries((current) => current.map((entry) => (entry.id === event.waMessageId && entry.direction === 'out' ? { ...entry, state: 'read' } : entry)));
        if (event.body['typing_indicator']) setTyping(true);
        return;
      }
      setTyping(false);
      addBotMessage(event);
    };
    const source = new EventSource(api.streamUrl('/admin/simulator/stream', { tenantId, user }));
    source.addEventListener('sandbox.message', onMessage);
    source.addEventListener('ready', () => {
      setStream('live');
      // The chat so far (the page opened late, the number changed, the stream reconnected): what the bot sent,
      // from the sandbox, and what the customer sent, from the transcript; both keyed by wamid like the live ones.
      const query = new URLSearchParams({ tenantId, user }).toString();
      Promise.all([
        api.get<{ messages: Array<Omit<SandboxMessageEvent, 'type'>> }>(`/admin/simulator/messages?${query}`),
        api.get<{ messages: TranscriptEntry[] }>(`${tenantPath(tenantId, 'conversations', user, 'messages')}?limit=50`).catch(() => ({ messages: [] })),
      ])
        .then(([sent, transcript]) => {
          if (closed) return;
          const earlier: ChatEntry[] = [];
          for (const message of sent.messages) {
            if (message.body && message.body['status'] !== 'read') earlier.push({ id: message.waMessageId, direction: 'in', at: message.at, ...renderGraphBody(message.body) });
          }
          for (const entry of transcript.messages) {
            if (entry.direction !== 'in') continue;
            earlier.push({ id: entry.waMessageId, direction: 'out', at: entry.at, text: entry.text ?? `[${entry.type}]`, buttons: [], note: null, state: 'sent' });
          }
          setEntries((current) => {
            const known = new Set(current.map((entry) => entry.id));
            return [...earlier.filter((entry) => !known.has(entry.id)), ...current].sort((a, b) => a.at - b.at);
          });
        })
        .catch(() => {});
    });
    source.onerror = () => setStream(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    return () => {
      closed = true;
      source.close();
    };
  }, [api, tenantId, user]);

  useEffect(() => end.current?.scrollIntoView({ block: 'nearest' }), [entries.length, typing]);

  const send = async (payload: { text: string } | { option: ChatButton }) => {
    const localId = `local-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const text = 'text' in payload ? payload.text : payload.option.title;
    setEntries((current) => [...current, { id: localId, direction: 'out', text, buttons: [], note: null, at: Date.now(), state: 'sending' }]);
    setError(null);
    const body =
      'text' in payload
        ? { text: payload.text }
        : { [payload.option.kind]: { id: payload.option.id, title: payload.option.title } };
    try {
      const answer = await api.post<{ waMessageId: string }>('/admin/simulator/messages', { tenantId, from: user, ...body });
      setEntries((current) => current.map((entry) => (entry.id === localId ? { ...entry, id: answer.waMessageId, state: entry.state === 'read' ? 'read' : 'sent' } : entry)));
    } catch (caught) {
      setEntries((current) => current.map((entry) => (entry.id === localId ? { ...entry, state: 'failed' } : entry)));
      setError(describe(caught));
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    void send({ text });
  };

  return (
    <section class="simulator">
      <PageHeader title="Simulator" />
      <div class="simulator-settings">
        <label class="field inline">
          <span>Tenant</span>
          <select value={tenantId} onChange={(event) => setTenantId((event.currentTarget as HTMLSelectElement).value)} aria-label="Simulator tenant">
            {tenants.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field inline">
          <span>Customer number</span>
          <input
            inputMode="tel"
            value={numberDraft}
            aria-label="Customer number"
            onInput={(event) => setNumberDraft((event.currentTarget as HTMLInputElement).value)}
            onChange={(event) => setNumber((event.currentTarget as HTMLInputElement).value.trim())}
            onKeyDown={(event) => {
              if (event.key === 'Enter') setNumber((event.currentTarget as HTMLInputElement).value.trim());
            }}
          />
        </label>
        <button type="button" class="button plain" onClick={() => setNumber(randomNumber())}>
          New customer
        </button>
      </div>
      <div class="phone" aria-label="Simulated phone">
        <div class="phone-header">
          <span class="phone-avatar" aria-hidden="true">
            {(tenant?.name ?? '?').slice(0, 1)}
          </span>
          <span class="phone-title">
            <strong>{tenant?.name ?? 'No tenant'}</strong>
            <span class="small">
              {typing ? 'typing…' : streamState === 'live' ? 'online' : streamState} · you are +{user}
            </span>
          </span>
        </div>
        <div class="phone-chat" role="log" aria-label="Simulator chat" aria-live="polite">
          {entries.length === 0 && <p class="phone-empty">Say hello to {tenant?.name ?? 'the bot'}. Its replies appear here.</p>}
          {entries.map((entry) => (
            <div key={entry.id} class={`bubble-row ${entry.direction === 'out' ? 'out' : 'in'}`}>
              <div class={`bubble ${entry.direction}`} data-testid={entry.direction === 'in' ? 'bot-message' : 'customer-message'}>
                {entry.note && <span class="bubble-author">{entry.note}</span>}
                <p>{entry.text}</p>
                <span class="bubble-time">
                  {formatTime(entry.at)}
                  {entry.state === 'sending' ? ' · sending' : entry.state === 'failed' ? ' · not sent' : entry.state === 'read' ? <span class="ticks read" aria-label="read"> ✓✓</span> : entry.direction === 'out' ? <span class="ticks" aria-label="sent"> ✓</span> : ''}
                </span>
              </div>
              {entry.buttons.length > 0 && (
                <div class="reply-buttons">
                  {entry.buttons.map((button) => (
                    <button key={button.id} type="button" class="reply-button" onClick={() => void send({ option: button })}>
                      {button.title}
                    </button>
                  ))}
                </div>
              )}
            </div>
          ))}
          {typing && (
            <div class="bubble-row in">
              <div class="bubble in typing" aria-label="typing">
                <p>typing…</p>
              </div>
            </div>
          )}
          <div ref={end} />
        </div>
        {error && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        <form class="phone-composer" onSubmit={submit}>
          <input
            aria-label="Message"
            placeholder="Message"
            value={draft}
            onInput={(event) => setDraft((event.currentTarget as HTMLInputElement).value)}
            autoComplete="off"
          />
          <button type="submit" class="send" aria-label="Send" disabled={draft.trim() === '' || !tenantId}>
            ➤
          </button>
        </form>
      </div>
    </section>
  );
}

// Who is signed in, the tenants they may see, the tenant picked in the header, and the live event stream.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, type Me, type TenantSummary } from './api';

const TOKEN_KEY = 'switchboard.token';
const TENANT_KEY = 'switchboard.tenant';

export function storedToken(): string | null {
  return window.sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) window.sessionStorage.removeItem(TOKEN_KEY);
  else window.sessionStorage.setItem(TOKEN_KEY, token);
}

/** What the admin event stream sends (src/ports/event-bus.ts); the console reads these fields. */
export type LiveEvent =
  | { type: 'message.received'; tenantId: string; userId: string; text: string | null; at: number }
  | { type: 'message.sent'; tenantId: string; userId: string; kind: string; body: Record<string, unknown>; at: number }
  | { type: 'conversation.escalated'; tenantId: string; userId: string; trigger: string; at: number }
  | { type: 'conversation.mode_changed'; tenantId: string; userId: string; mode: 'bot' | 'human'; reason: string; at: number }
  | { type: 'order.pending_review'; tenantId: string; userId: string; orderId: string; at: number }
  | { type: 'order.decided'; tenantId: string; userId: string; orderId: string; status: string; at: number };

export const liveEventTypes: ReadonlyArray<LiveEvent['type']> = [
  'message.received',
  'message.sent',
  'conversation.escalated',
  'conversation.mode_changed',
  'order.pending_review',
  'order.decided',
];

export type LiveState = 'connecting' | 'live' | 'offline';

export interface Session {
  api: Api;
  me: Me;
  tenants: TenantSummary[];
  reloadTenants(): Promise<void>;
  /** The tenant picked in the header (pages about one tenant use it). */
  tenantId: string;
  setTenantId(tenantId: string): void;
  live: LiveState;
  /** Calls `listener` for every live event until the returned function is called. */
  onLive(listener: (event: LiveEvent) => void): () => void;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** Subscribes to live events for the lifetime of the component; `listener` may change between renders. */
export function useLiveEvents(listener: (event: LiveEvent) => void): void {
  const { onLive } = useSession();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => onLive((event) => latest.current(event)), [onLive]);
}

export function SessionProvider(props: { api: Api; me: Me; tenants: TenantSummary[]; signOut: () => void; children: ComponentChildren }) {
  const { api, me, signOut } = props;
  const [tenants, setTenants] = useState(props.tenants);
  const [tenantId, setTenantIdState] = useState(() => {
    const stored = window.sessionStorage.getItem(TENANT_KEY);
    return props.tenants.some((tenant) => tenant.id === stored) ? stored! : props.tenants[0]?.id ?? '';
  });
  const setTenantId = useCallback((next: string) => {
    window.sessionStorage.setItem(TENANT_KEY, next);
    setTenantIdState(next);
  }, []);
  const reloadTenants = useCallback(async () => {
    const answer = await api.get<{ tenants: TenantSummary[] }>('/admin/tenants');
    setTenants(answer.tenants);
  }, [api]);

  const listeners = useRef(new Set<(event: LiveEvent) => void>());
  const onLive = useCallback((listener: (event: LiveEvent) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);
  const [live, setLive] = useState<LiveState>('connecting');

  useEffect(() => {
    // One stream for the whole console. EventSource reconnects by itself; the state dot shows the gaps.
    const source = new EventSource(api.streamUrl('/admin/events'));
    const deliver = (data: string) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(data) as LiveEvent;
      } catch {
        return;
      }
      for (const listener of listeners.current) listener(event);
    };
    const named = (message: MessageEvent<string>) => deliver(message.data);
    for (const type of liveEventTypes) source.addEventListener(type, named);
    source.onmessage = named; // a server that sends unnamed events with `type` in the data
    source.addEventListener('ready', () => setLive('live')); // the server subscribed this stream: nothing is missed from here
    source.onopen = () => setLive('live');
    source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    return () => source.close();
  }, [api]);

  const value = useMemo<Session>(
    () => ({ api, me, tenants, reloadTenants, tenantId, setTenantId, live, onLive, signOut }),
    [api, me, tenants, reloadTenants, tenantId, setTenantId, live, onLive, signOut],
  );
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}

// The console's shell: signing in, the header with the tenant picker and the navigation, and the pages.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Api, type Me, type TenantSummary } from './api';
import { describe } from './components/ui';
import { DeadLettersPage } from './pages/dead-letters';
import { FollowUpsPage } from './pages/follow-ups';
import { InboxPage } from './pages/inbox';
import { OrdersPage } from './pages/orders';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';
import { SimulatorPage } from './pages/simulator';
import { Link, match, navigate, usePath } from './router';
import { SessionProvider, storedToken, storeToken, useLiveEvents, useSession } from './session';

interface SignedIn {
  api: Api;
  me: Me;
  tenants: TenantSummary[];
}

/** Checks a token against `/admin/me` and loads the tenants it may see. */
async function signIn(token: string, onUnauthorized: () => void): Promise<SignedIn> {
  const api = new Api(token, onUnauthorized);
  const me = await api.get<Me>('/admin/me');
  const { tenants } = await api.get<{ tenants: TenantSummary[] }>('/admin/tenants');
  return { api, me, tenants };
}

export function App() {
  const [state, setState] = useState<SignedIn | null>(null);
  const [restoring, setRestoring] = useState(() => storedToken() !== null);
  const [restoreError, setRestoreError] = useState<string | null>(null);

  const signOut = useCallback(() => {
    storeToken(null);
    setState(null);
    navigate('/', { replace: true });
  }, []);

  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    signIn(token, signOut)
      .then(setState)
      .catch((error: unknown) => {
        storeToken(null);
        setRestoreError(describe(error));
      })
      .finally(() => setRestoring(false));
  }, [signOut]);

  if (restoring) return <p class="loading boot">Signing in…</p>;
  if (!state) {
    return (
      <SignInPage
        initialError={restoreError}
        onSubmit={async (token) => {
          const signedIn = await signIn(token, signOut);
          storeToken(token);
          setState(signedIn);
        }}
      />
    );
  }
  return (
    <SessionProvider api={state.api} me={state.me} tenants={state.tenants} signOut={signOut}>
      <Shell />
    </SessionProvider>
  );
}

const sections = [
  { path: '/', label: 'Overview', icon: '◔' },
  { path: '/inbox', label: 'Inbox', icon: '✉' },
  { path: '/orders', label: 'Orders', icon: '☑' },
  { path: '/follow-ups', label: 'Follow-ups', icon: '↻' },
  { path: '/dead-letters', label: 'Dead letters', icon: '⚠' },
  { path: '/simulator', label: 'Simulator', icon: '☏' },
] as const;

function Shell() {
  const path = usePath();
  const session = useSession();
  const [escalations, setEscalations] = useState(0);
  useLiveEvents((event) => {
    if (event.type === 'conversation.escalated' && !path.startsWith('/inbox')) setEscalations((count) => count + 1);
  });
  useEffect(() => {
    if (path.startsWith('/inbox')) setEscalations(0);
    // On a phone the sections are a scrolling strip: keep the current one in view.
    document.querySelector('.nav-item.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [path]);

  const sectionOf = (candidate: string) => (candidate === '/' ? path === '/' : path === candidate || path.startsWith(`${candidate}/`));
  return (
    <div class="shell">
      <header class="topbar">
        <Link to="/" class="brand" aria-label="Switchboard console, overview">
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Switchboard</span>
        </Link>
        <TenantPicker />
        <span class={`live-dot ${session.live}`} title={`Live updates: ${session.live}`} aria-label={`Live updates ${session.live}`} />
        <AccountMenu />
      </header>
      <nav class="nav" aria-label="Sections">
        {sections.map((section) => (
          <Link key={section.path} to={section.path} class={`nav-item ${sectionOf(section.path) ? 'active' : ''}`} aria-current={sectionOf(section.path) ? 'page' : undefined}>
            <span class="nav-icon" aria-hidden="true">
              {section.icon}
            </span>
            <span class="nav-label">{section.label}</span>
            {section.path === '/inbox' && escalations > 0 && (
              <span class="nav-count" aria-label={`${escalations} new escalations`}>
                {escalations}
              </span>
            )}
          </Link>
        ))}
      </nav>
      <main class="content">
        <Page path={path} />
      </main>
    </div>
  );
}

function Page(props: { path: string }) {
  const { path } = props;
  if (path === '/') return <OverviewPage />;
  if (path === '/inbox') return <InboxPage selected={null} />;
  const conversation = match('/inbox/:tenantId/:userId', path);
  if (conversation) return <InboxPage selected={{ tenantId: conversation['tenantId']!, userId: conversation['userId']! }} />;
  if (path === '/orders') return <OrdersPage />;
  if (path === '/follow-ups') return <FollowUpsPage />;
  if (path === '/dead-letters') return <DeadLettersPage />;
  if (path === '/simulator') return <SimulatorPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing at <code>/console{path}</code>. <Link to="/">Back to the overview</Link>.
      </p>
    </section>
  );
}

function TenantPicker() {
  const { tenants, tenantId, setTenantId } = useSession();
  if (tenants.length === 0) return <span class="tenant-picker empty">No tenants</span>;
  if (tenants.length === 1) return <span class="tenant-picker single">{tenants[0]!.name}</span>;
  return (
    <label class="tenant-picker">
      <select aria-label="Tenant" value={tenantId} onChange={(event) => setTenantId((event.currentTarget as HTMLSelectElement).value)}>
        {tenants.map((tenant) => (
          <option key={tenant.id} value={tenant.id}>
            {tenant.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Who is signed in, and Sign out: a disclosure that closes on a click elsewhere, Escape, or navigation. */
function AccountMenu() {
  const session = useSession();
  const path = usePath();
  const menu = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (event: Event) => {
      const element = menu.current;
      if (!element?.open) return;
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !element.contains(event.target as Node)) element.open = false;
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, []);
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [path]);
  return (
    <details class="whoami" ref={menu}>
      <summary aria-label="Account">{session.me.role === 'admin' ? 'Admin' : 'Staff'}</summary>
      <div class="whoami-panel">
        <p data-testid="whoami">
          {session.me.role === 'admin' ? (
            <>
              Signed in as the <strong>agency admin</strong>: every tenant.
            </>
          ) : (
            <>
              Signed in with staff token <code>{session.me.tokenId}</code> of <strong>{session.tenants[0]?.name ?? session.me.tenantId}</strong>.
            </>
          )}
        </p>
        <button type="button" class="button plain" onClick={session.signOut}>
          Sign out
        </button>
      </div>
    </details>
  );
}

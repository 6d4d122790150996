import { useState } from 'preact/hooks';
import { describe } from '../components/ui';

/** Signing in with a token: the agency's ADMIN_TOKEN or a tenant-scoped `sbt_…` token. Kept for this tab only. */
export function SignInPage(props: { onSubmit: (token: string) => Promise<void>; initialError: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(props.initialError);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed) return setError('Paste your access token.');
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(trimmed);
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="card sign-in-card" onSubmit={submit}>
        <div class="brand large">
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Switchboard</span>
        </div>
        <h1>Sign in to the console</h1>
        <p class="hint">
          Use the agency's <code>ADMIN_TOKEN</code>, or a staff token (<code>sbt_…</code>) that shows one business. The token stays in this
          browser tab only.
        </p>
        <label class="field">
          <span>Access token</span>
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            autoFocus
            value={token}
            onInput={(event) => setToken((event.currentTarget as HTMLInputElement).value)}
          />
        </label>
        {error && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

// Small shared pieces: data loading, buttons that show their request, notices and badges.
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';

export interface Resource<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  /** Loads again; the current data stays on screen meanwhile. */
  reload(): Promise<void>;
}

/** Runs `load` when `deps` change; answers arriving out of order are dropped. */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const sequence = useRef(0);
  const latestLoad = useRef(load);
  latestLoad.current = load;

  const reload = useCallback(async () => {
    const mine = ++sequence.current;
    setLoading(true);
    try {
      const value = await latestLoad.current();
      if (mine !== sequence.current) return;
      setData(value);
      setError(null);
    } catch (caught) {
      if (mine !== sequence.current) return;
      setError(caught as Error);
    } finally {
      if (mine === sequence.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setData(undefined);
    void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, error, loading, reload };
}

/** A button whose click runs a request: disabled while it runs, the error shown beside it. */
export function ActionButton(
  props: { onClick: () => Promise<unknown>; children: ComponentChildren; variant?: 'primary' | 'danger' | 'plain' } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick'>,
) {
  const { onClick, children, variant = 'plain', class: className, ...rest } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await onClick();
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" {...rest} class={`button ${variant} ${String(className ?? '')}`} disabled={busy || Boolean(rest.disabled)} onClick={run} aria-busy={busy}>
        {children}
      </button>
      {error && (
        <span class="action-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNotice(props: { error: Error | null; what: string }) {
  if (!props.error) return null;
  return (
    <p class="notice error" role="alert">
      Could not load {props.what}: {describe(props.error)}
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Badge(props: { tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted'; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge ${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}

export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1>{props.title}</h1>
      {props.children && <div class="page-tools">{props.children}</div>}
    </div>
  );
}

/** Loading placeholder that keeps the layout from jumping. */
export function Loading(props: { what: string }) {
  return (
    <p class="loading" aria-live="polite">
      Loading {props.what}…
    </p>
  );
}

/** A function that runs `fn` once after calls stop for `ms` milliseconds. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useMemo(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => latest.current(), ms);
    },
    [ms],
  );
}

import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from './session.ts';

/** The console's few building blocks: pages, paged lists, fields and problem messages. */

export function Page(props: { title: string; actions?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // A screen change moves focus to its heading, so keyboard and screen-reader users follow it.
  useEffect(() => {
    document.title = `${props.title} · Funnel CRM`;
    heading.current?.focus();
  }, [props.title]);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions ? <div className="actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

export function Section(props: { title: string; actions?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <header className="card-header">
        <h2 id={id}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

/** A problem document as a person reads it; a 403 says the role may not, as the API does. */
export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const { problem, status } = error;
    const heading =
      status === 403
        ? 'Your role does not give access to this'
        : status === 404
          ? 'Not found'
          : status >= 500
            ? 'Something went wrong on our side'
            : problem.title;
    return (
      <div className="problem" role="alert">
        <strong>{heading}</strong>
        {problem.detail ? <p>{problem.detail}</p> : null}
        {status >= 500 && problem.requestId ? <p className="muted">Request id: {problem.requestId}</p> : null}
      </div>
    );
  }
  return (
    <div className="problem" role="alert">
      <strong>Could not reach the server</strong>
      <p>Check your connection and try again.</p>
    </div>
  );
}

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload, setData: (data: T) => setState({ data, loading: false }) };
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

export interface Column<T> {
  header: string;
  cell: (item: T) => ReactNode;
  className?: string;
}

export interface ListPage<T> {
  items: T[];
  nextCursor?: string;
}

/** Pages read on at most, after one with no items, before "Show more" is left to the user. */
const EMPTY_PAGES_READ_ON = 4;

/**
 * A filtered list may answer a page with no items and a cursor (the filter applies after the
 * read): the next pages are read on, so an empty page never passes for an empty list.
 */
async function readOn<T>(
  load: (cursor: string | undefined) => Promise<ListPage<T>>,
  from: string | undefined,
): Promise<ListPage<T>> {
  let page = await load(from);
  for (let read = 0; page.items.length === 0 && page.nextCursor && read < EMPTY_PAGES_READ_ON; read++)
    page = await load(page.nextCursor);
  return page;
}

/**
 * A list read page by page with the API's cursors ("Show more" appends the next page). Every
 * list has its loading, empty and error states. At narrow widths the rows become cards.
 */
export function PagedList<T>(props: {
  label: string;
  load: (cursor: string | undefined) => Promise<ListPage<T>>;
  columns: Column<T>[];
  rowKey: (item: T) => string;
  empty: string;
  /** Change it to read the list again from its first page. */
  version?: unknown;
  /** The first page, already read (by the route's loader); read with `load` otherwise. */
  first?: ListPage<T> | undefined;
}) {
  const { load, first } = props;
  // A page read ahead is in the first render: no loading state and no second render for it.
  const [items, setItems] = useState<T[]>(first?.items ?? []);
  const [cursor, setCursor] = useState<string | undefined>(first?.nextCursor);
  const [state, setState] = useState<'loading' | 'ready' | 'more'>(first ? 'ready' : 'loading');
  const [error, setError] = useState<unknown>();
  const used = useRef<ListPage<T>>(undefined);
  const fetchPage = useCallback(
    async (from: string | undefined, append: boolean) => {
      let start = from;
      // A page read ahead is shown once (a new search brings a new one); a reload reads again.
      if (!from && first && used.current !== first) {
        used.current = first;
        setItems(first.items);
        setCursor(first.nextCursor);
        setError(undefined);
        setState('ready');
        if (first.items.length > 0 || !first.nextCursor) return;
        start = first.nextCursor;
      }
      setState(append ? 'more' : 'loading');
      setError(undefined);
      try {
        const page = await readOn(load, start);
        setItems((current) => (append ? [...current, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (caught) {
        setError(caught);
      } finally {
        setState('ready');
      }
    },
    [load, first],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again from the first page when the version changes
  useEffect(() => {
    void fetchPage(undefined, false);
  }, [props.version, fetchPage]);

  if (state === 'loading') return <Loading />;
  if (error && items.length === 0) return <ProblemMessage error={error} />;
  if (items.length === 0 && !cursor) return <p className="empty">{props.empty}</p>;
  return (
    <div className="list">
      {items.length === 0 ? (
        <p className="empty">None in what was read so far; there is more to read.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">{props.label}</caption>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th key={c.header} scope="col" className={c.className}>
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={props.rowKey(item)}>
                {props.columns.map((c) => (
                  <td key={c.header} data-label={c.header} className={c.className}>
                    {c.cell(item)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error ? <ProblemMessage error={error} /> : null}
      {cursor ? (
        <button
          type="button"
          className="secondary"
          disabled={state === 'more'}
          onClick={() => fetchPage(cursor, true)}
        >
          {state === 'more' ? 'Loading…' : 'Show more'}
        </button>
      ) : null}
    </div>
  );
}

/** A labelled control with the API's message for its field, announced to screen readers. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (control: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [props.error ? `${id}-error` : '', props.hint ? `${id}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={props.error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({
        id,
        'aria-invalid': Boolean(props.error),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {props.hint ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A form's submission: `busy` while it runs, the ApiError it ended with (its field messages go
 * next to their fields), and the errors the API did not tie to a field shown above the buttons.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }, []);
  const field = (path: string) => (error instanceof ApiError ? error.field(path) : undefined);
  return { busy, error, run, field, clear: () => setError(undefined) };
}

/** Problems of a submission that name no field of the form. */
export function FormProblem({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.problem.errors?.length) {
    const others = error.problem.errors.filter(
      (e) => !fields.some((f) => e.path === f || e.path.startsWith(`${f}.`)),
    );
    if (others.length === 0) return null;
    return (
      <div className="problem" role="alert">
        <strong>{error.problem.title}</strong>
        <ul>
          {others.map((e) => (
            <li key={e.path}>
              {e.path.replace(/^body\./, '')}: {e.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return <ProblemMessage error={error} />;
}

/**
 * A form's draft, kept in this tab's sessionStorage: what the user typed survives an expired
 * session (sign-in replaces the screen) and a reload, and is dropped once submitted.
 */
export function useDraft<T>(key: string, initial: T): [T, (next: T) => void, () => void] {
  const storageKey = `funnel.draft.${key}`;
  const [value, setValue] = useState<T>(() => {
    const saved = sessionStorage.getItem(storageKey);
    return saved ? (JSON.parse(saved) as T) : initial;
  });
  const set = useCallback(
    (next: T) => {
      setValue(next);
      sessionStorage.setItem(storageKey, JSON.stringify(next));
    },
    [storageKey],
  );
  const clear = useCallback(() => {
    sessionStorage.removeItem(storageKey);
    setValue(initial);
  }, [storageKey, initial]);
  return [value, set, clear];
}

export function Badge({
  children,
  tone = 'neutral',
}: {
  children: ReactNode;
  tone?: 'neutral' | 'good' | 'warn' | 'bad';
}) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

/** Definition list of label → value pairs. */
export function Facts({ items }: { items: Array<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

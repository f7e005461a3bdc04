import type { Schemas } from '@funnel/client';
import { createContext, Suspense, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import {
  createBrowserRouter,
  Navigate,
  NavLink,
  Outlet,
  RouterProvider,
  useLocation,
  useNavigation,
} from 'react-router';
import { type Formatter, formatterFor } from './format.ts';
import { SignIn } from './screens/sign-in.tsx';
import { GROUPS, offeredTo, screens } from './screens.ts';
import { api, ok, onSessionEnded, refreshSession, signOut } from './session.ts';
import { Loading, ProblemMessage } from './ui.tsx';

type Member = Schemas['Member'];

export interface ConsoleState {
  me: Member;
  tenant: Schemas['Tenant'];
  fmt: Formatter;
  /** The tenant's members by id (names of owners and assignees). */
  members: Map<string, Member>;
  memberName(id: string | undefined): string;
  reload(): Promise<void>;
}

const ConsoleContext = createContext<ConsoleState | null>(null);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside the signed-in console');
  return state;
}

function Shell() {
  const { me, tenant } = useConsole();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the menu whenever the screen changes
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const offered = offeredTo(me.role);
  return (
    <div className="shell">
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="navigation"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <span className="brand">Funnel CRM</span>
        <NavigationStatus />
        <span className="tenant">{tenant.name}</span>
        <span className="who">
          {me.name} <span className="muted">({me.role})</span>
        </span>
        <NavLink className="link" to="/security">
          Security
        </NavLink>
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav id="navigation" aria-label="Main" className={menuOpen ? 'open' : ''}>
        {GROUPS.map((group) => {
          const items = offered.filter((s) => s.group === group);
          if (items.length === 0) return null;
          return (
            <div key={group} className="nav-group">
              <h2>{group}</h2>
              <ul>
                {items.map((s) => (
                  <li key={s.path}>
                    <NavLink to={`/${s.path}`}>{s.title}</NavLink>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </nav>
      <main id="content">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}

/**
 * Shown while a screen's loader reads its first page (the old screen stays until it arrives). Its
 * own component, so only it re-renders as a navigation starts and ends; no animation, which would
 * repaint every frame while the request is in flight.
 */
function NavigationStatus() {
  const navigating = useNavigation().state === 'loading';
  return (
    <span className="navigating" role="status">
      {navigating ? 'Loading…' : ''}
    </span>
  );
}

function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        This page does not exist. <NavLink to="/today">Go to today’s work</NavLink>.
      </p>
    </section>
  );
}

/**
 * Made once there is a session: a router runs the loaders of the address it starts at (a
 * screen's first request) as soon as it exists, and they need the member's token.
 */
let router: ReturnType<typeof createBrowserRouter> | undefined;
const consoleRouter = () =>
  (router ??= createBrowserRouter(
    [
      {
        path: '/',
        element: <Shell />,
        hydrateFallbackElement: <Loading />,
        children: [
          { index: true, element: <Navigate to="/today" replace /> },
          ...screens.map((s) => ({
            path: s.path,
            Component: s.component,
            ...(s.loader ? { loader: s.loader } : {}),
          })),
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
    { basename: '/app' },
  ));

export function App() {
  const [phase, setPhase] = useState<'starting' | 'signed-out' | 'ready' | 'failed'>('starting');
  const [expired, setExpired] = useState(false);
  const [state, setState] = useState<Omit<ConsoleState, 'reload'>>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      const [me, tenant, members] = await Promise.all([
        ok(api.GET('/v1/me')),
        ok(api.GET('/v1/tenant')),
        ok(api.GET('/v1/members', { params: { query: { limit: 100 } } })),
      ]);
      const byId = new Map(members.items.map((m) => [m.id, m]));
      setState({
        me,
        tenant,
        fmt: formatterFor(tenant),
        members: byId,
        memberName: (id) => (id ? (byId.get(id)?.name ?? 'Former member') : 'Unassigned'),
      });
      setPhase('ready');
    } catch (caught) {
      setError(caught);
      setPhase('failed');
    }
  }, []);

  useEffect(
    () =>
      onSessionEnded(({ expired }) => {
        setExpired(expired);
        setPhase('signed-out');
      }),
    [],
  );
  useEffect(() => {
    void refreshSession().then((signedIn) => (signedIn ? load() : setPhase('signed-out')));
  }, [load]);

  const value = useMemo(() => (state ? { ...state, reload: load } : null), [state, load]);

  if (phase === 'starting') return <Loading label="Opening the console…" />;
  if (phase === 'signed-out')
    return (
      <SignIn
        expired={expired}
        onSignedIn={() => {
          setExpired(false);
          void load();
        }}
      />
    );
  if (phase === 'failed' || !value)
    return (
      <main className="page">
        <ProblemMessage error={error} />
      </main>
    );
  return (
    <ConsoleContext.Provider value={value}>
      {/* Router updates render at once rather than as interruptible transitions: a screen's data
          is already in hand when its navigation completes, and a transition's time slicing only
          delayed the rows (bench/cases/console.ts). */}
      <RouterProvider router={consoleRouter()} useTransitions={false} />
    </ConsoleContext.Provider>
  );
}

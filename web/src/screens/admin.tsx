import type { Schemas } from '@funnel/client';
import { useEffect, useState } from 'react';
import { useConsole } from '../app.tsx';
import { apiKeyPage, auditPage, memberPage, useListPages } from '../lists.ts';
import { api, ifMatch, ok } from '../session.ts';
import {
  Badge,
  Field,
  FormProblem,
  Loading,
  Page,
  PagedList,
  ProblemMessage,
  Section,
  useAsync,
  useDraft,
  useSubmit,
} from '../ui.tsx';

type Member = Schemas['Member'];
type Role = Schemas['Role'];
const ROLES: Role[] = ['admin', 'sales', 'marketing', 'finance', 'support', 'readonly'];

/** Members and their roles: invite (Cognito mails the invitation), change a role, deactivate. */
export function Members() {
  const { me, fmt, reload } = useConsole();
  const [round, setRound] = useState(0);
  const [error, setError] = useState<unknown>();
  const [draft, setDraft, clearDraft] = useDraft(`member.new.${me.id}`, {
    name: '',
    email: '',
    role: 'sales' as Role,
  });
  const [invited, setInvited] = useState<string>();
  const submit = useSubmit();
  const { first, load } = useListPages(memberPage);
  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      setRound((r) => r + 1);
      await reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Page title="Members">
      <Section title="Invite a member">
        <form
          className="form inline"
          aria-label="Invite a member"
          onSubmit={(e) => {
            e.preventDefault();
            void submit.run(async () => {
              const member = await ok(api.POST('/v1/members', { body: draft }));
              clearDraft();
              setInvited(
                `${member.name} is invited: an email with a temporary password is on its way to ${member.email}.`,
              );
              setRound((r) => r + 1);
            });
          }}
        >
          <Field label="Name" error={submit.field('body.name')}>
            {(c) => (
              <input
                {...c}
                value={draft.name}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Email" error={submit.field('body.email')}>
            {(c) => (
              <input
                {...c}
                type="email"
                value={draft.email}
                onChange={(e) => setDraft({ ...draft, email: e.target.value })}
              />
            )}
          </Field>
          <Field label="Role" error={submit.field('body.role')}>
            {(c) => (
              <select
                {...c}
                value={draft.role}
                onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <FormProblem error={submit.error} fields={['body.name', 'body.email', 'body.role']} />
          <button type="submit" className="primary" disabled={submit.busy}>
            Invite
          </button>
        </form>
        {invited ? (
          <p className="notice" role="status">
            {invited}
          </p>
        ) : null}
      </Section>
      <ProblemMessage error={error} />
      <PagedList<Member>
        label="Members"
        load={load}
        first={first}
        version={round}
        rowKey={(m) => m.id}
        empty="No members."
        columns={[
          { header: 'Name', cell: (m) => m.name },
          { header: 'Email', cell: (m) => m.email },
          {
            header: 'Role',
            cell: (m) =>
              m.status === 'active' ? (
                <select
                  aria-label={`Role of ${m.name}`}
                  value={m.role}
                  onChange={(e) =>
                    void act(() =>
                      ok(
                        api.PATCH('/v1/members/{id}', {
                          params: { path: { id: m.id }, header: ifMatch(m.version) },
                          body: { role: e.target.value as Role },
                        }),
                      ),
                    )
                  }
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ) : (
                m.role
              ),
          },
          {
            header: 'Status',
            cell: (m) => <Badge tone={m.status === 'active' ? 'good' : 'neutral'}>{m.status}</Badge>,
          },
          { header: 'Since', cell: (m) => fmt.date(m.createdAt) },
          {
            header: 'Actions',
            cell: (m) =>
              m.status === 'active' && m.id !== me.id ? (
                <button
                  type="button"
                  className="link danger"
                  onClick={() =>
                    void act(() => ok(api.DELETE('/v1/members/{id}', { params: { path: { id: m.id } } })))
                  }
                >
                  Deactivate {m.name}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}

/** API keys for programs: create (the secret is shown once), revoke. */
export function ApiKeys() {
  const { fmt, memberName, me } = useConsole();
  const [round, setRound] = useState(0);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Schemas['ApiKeyCreated']>();
  const [error, setError] = useState<unknown>();
  const submit = useSubmit();
  const { first, load } = useListPages(apiKeyPage);
  return (
    <Page title="API keys">
      <Section title="Create a key">
        <form
          className="form inline"
          aria-label="Create an API key"
          onSubmit={(e) => {
            e.preventDefault();
            void submit.run(async () => {
              setCreated(await ok(api.POST('/v1/api-keys', { body: { name, memberId: me.id } })));
              setName('');
              setRound((r) => r + 1);
            });
          }}
        >
          <Field label="Name of the key" error={submit.field('body.name')}>
            {(c) => <input {...c} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <FormProblem error={submit.error} fields={['body.name']} />
          <button type="submit" className="primary" disabled={submit.busy}>
            Create
          </button>
        </form>
        {created ? (
          <div className="notice" role="status">
            <p>Copy the key now: it is shown this once.</p>
            <code className="secret">{created.key}</code>
          </div>
        ) : null}
      </Section>
      <ProblemMessage error={error} />
      <PagedList<Schemas['ApiKey']>
        label="API keys"
        load={load}
        first={first}
        version={round}
        rowKey={(k) => k.id}
        empty="No API keys."
        columns={[
          { header: 'Name', cell: (k) => k.name },
          { header: 'Key', cell: (k) => <code>{k.prefix}</code> },
          { header: 'Acts as', cell: (k) => `${memberName(k.memberId)} (${k.role})` },
          { header: 'Last used', cell: (k) => (k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : 'Never') },
          {
            header: 'Status',
            cell: (k) => <Badge tone={k.status === 'active' ? 'good' : 'neutral'}>{k.status}</Badge>,
          },
          {
            header: 'Actions',
            cell: (k) =>
              k.status === 'active' ? (
                <button
                  type="button"
                  className="link danger"
                  onClick={() =>
                    void ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: k.id } } })).then(
                      () => setRound((r) => r + 1),
                      setError,
                    )
                  }
                >
                  Revoke {k.name}
                </button>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}

/** Tenant settings, saved with If-Match so two admins cannot overwrite each other unknowingly. */
export function Settings() {
  const { reload } = useConsole();
  const tenant = useAsync(() => ok(api.GET('/v1/tenant')), []);
  const [form, setForm] = useState({ name: '', timeZone: '', currency: '', financeEmail: '' });
  const [saved, setSaved] = useState(false);
  const submit = useSubmit();
  useEffect(() => {
    if (tenant.data)
      setForm({
        name: tenant.data.name,
        timeZone: tenant.data.timeZone,
        currency: tenant.data.currency,
        financeEmail: tenant.data.financeEmail,
      });
  }, [tenant.data]);
  if (tenant.loading && !tenant.data) return <Loading />;
  if (tenant.error || !tenant.data) return <ProblemMessage error={tenant.error} />;
  const set = (patch: Partial<typeof form>) => {
    setSaved(false);
    setForm({ ...form, ...patch });
  };
  return (
    <Page title="Settings">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit.run(async () => {
            tenant.setData(
              await ok(
                api.PATCH('/v1/tenant', { params: { header: ifMatch(tenant.data!.version) }, body: form }),
              ),
            );
            setSaved(true);
            await reload();
          });
        }}
      >
        <Field label="Company name" error={submit.field('body.name')}>
          {(c) => <input {...c} value={form.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
        <Field
          label="Time zone"
          hint="An IANA time zone, such as Europe/Paris."
          error={submit.field('body.timeZone')}
        >
          {(c) => <input {...c} value={form.timeZone} onChange={(e) => set({ timeZone: e.target.value })} />}
        </Field>
        <Field label="Currency" hint="An ISO 4217 code, such as EUR." error={submit.field('body.currency')}>
          {(c) => <input {...c} value={form.currency} onChange={(e) => set({ currency: e.target.value })} />}
        </Field>
        <Field label="Finance email" error={submit.field('body.financeEmail')}>
          {(c) => (
            <input
              {...c}
              type="email"
              value={form.financeEmail}
              onChange={(e) => set({ financeEmail: e.target.value })}
            />
          )}
        </Field>
        <FormProblem
          error={submit.error}
          fields={['body.name', 'body.timeZone', 'body.currency', 'body.financeEmail']}
        />
        <div className="buttons">
          <button type="submit" className="primary" disabled={submit.busy}>
            Save
          </button>
          {saved ? (
            <span role="status" className="muted">
              Saved.
            </span>
          ) : null}
        </div>
      </form>
    </Page>
  );
}

export function AuditLog() {
  const { fmt } = useConsole();
  const { first, load } = useListPages(auditPage);
  return (
    <Page title="Audit log">
      <PagedList<Schemas['AuditEntry']>
        label="Audit log"
        load={load}
        first={first}
        rowKey={(a) => a.id}
        empty="Nothing recorded yet."
        columns={[
          { header: 'When', cell: (a) => fmt.dateTime(a.at) },
          { header: 'Action', cell: (a) => a.action },
          { header: 'By', cell: (a) => a.actor },
          { header: 'Target', cell: (a) => `${a.target.type} ${a.target.id}` },
          {
            header: 'Changes',
            cell: (a) =>
              Object.entries(a.changes ?? {})
                .map(
                  ([field, change]) =>
                    `${field}: ${String(change.from ?? '—')} → ${String(change.to ?? '—')}`,
                )
                .join('; '),
          },
        ]}
      />
    </Page>
  );
}

import type { Schemas } from '@funnel/client';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useConsole } from '../app.tsx';
import { contactPage, contactSearch, useListPages } from '../lists.ts';
import { api, ok } from '../session.ts';
import {
  Badge,
  Facts,
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

type Contact = Schemas['Contact'];
type Company = Schemas['Company'];

export const fullName = (c: { firstName: string; lastName: string }) => `${c.firstName} ${c.lastName}`;

export function bestTime(c: Contact): string | undefined {
  const b = c.bestTimeToCall;
  return b ? `${b.days.join(', ')} ${b.from}–${b.to} (${b.timeZone})` : undefined;
}

/**
 * Search by name (prefix of the last name), email (exact) or company (prefix of its name):
 * one query of the matching index each (docs/data-model.md), with the API's cursors.
 */
export function ContactSearch() {
  const { first, load, params, setParams } = useListPages(contactPage);
  const { q, by } = contactSearch(params);
  const [text, setText] = useState(q);
  const [field, setField] = useState(by);
  // Back and Forward change the address, not the form: the form follows the address. The
  // address this form itself just asked for is not followed: the person may already be typing
  // the next search, which it would overwrite.
  const shown = useRef({ q, by });
  useEffect(() => {
    if (shown.current.q === q && shown.current.by === by) return;
    shown.current = { q, by };
    setText(q);
    setField(by);
  }, [q, by]);
  return (
    <Page
      title="Contacts"
      actions={
        <Link className="button primary" to="/contacts/new">
          New contact
        </Link>
      }
    >
      <form
        className="search"
        aria-label="Search contacts"
        onSubmit={(e) => {
          e.preventDefault();
          shown.current = text ? { q: text, by: field } : contactSearch(new URLSearchParams());
          setParams(text ? { q: text, by: field } : {});
        }}
      >
        <label htmlFor="search-by" className="visually-hidden">
          Search by
        </label>
        <select id="search-by" value={field} onChange={(e) => setField(e.target.value as typeof field)}>
          <option value="name">Last name starts with</option>
          <option value="email">Email is</option>
          <option value="company">Company starts with</option>
        </select>
        <label htmlFor="search-text" className="visually-hidden">
          Search
        </label>
        <input id="search-text" type="search" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      {by === 'company' ? (
        <PagedList<Company | Contact>
          label="Companies"
          load={load}
          first={first}
          rowKey={(c) => c.id}
          empty="No company starts with that."
          columns={[{ header: 'Company', cell: (c) => ('name' in c ? c.name : '') }]}
        />
      ) : (
        <PagedList<Company | Contact>
          label="Contacts"
          load={load}
          first={first}
          rowKey={(c) => c.id}
          empty={q ? 'Nobody matches that search.' : 'No contacts yet: add the first one.'}
          columns={[
            {
              header: 'Name',
              cell: (c) => ('firstName' in c ? <Link to={`/contacts/${c.id}`}>{fullName(c)}</Link> : null),
            },
            { header: 'Email', cell: (c) => ('email' in c ? c.email : '') },
            {
              header: 'Stage',
              cell: (c) => ('lifecycleStage' in c ? <Badge>{c.lifecycleStage}</Badge> : null),
            },
          ]}
        />
      )}
    </Page>
  );
}

interface ContactDraft {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  lifecycleStage: Schemas['LifecycleStage'];
}

const EMPTY_CONTACT: ContactDraft = {
  firstName: '',
  lastName: '',
  email: '',
  phone: '',
  lifecycleStage: 'lead',
};

export function NewContact() {
  const navigate = useNavigate();
  const { me } = useConsole();
  const [draft, setDraft, clearDraft] = useDraft(`contact.new.${me.id}`, EMPTY_CONTACT);
  const submit = useSubmit();
  const set = (patch: Partial<ContactDraft>) => setDraft({ ...draft, ...patch });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run(async () => {
      const created = await ok(
        api.POST('/v1/contacts', {
          body: {
            firstName: draft.firstName,
            lastName: draft.lastName,
            lifecycleStage: draft.lifecycleStage,
            tags: [],
            ...(draft.email ? { email: draft.email } : {}),
            ...(draft.phone ? { phones: [{ number: draft.phone, type: 'mobile' as const }] } : {}),
          },
        }),
      );
      clearDraft();
      navigate(`/contacts/${created.id}`);
    });
  };
  return (
    <Page title="New contact">
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="row">
          <Field label="First name" error={submit.field('body.firstName')}>
            {(c) => (
              <input {...c} value={draft.firstName} onChange={(e) => set({ firstName: e.target.value })} />
            )}
          </Field>
          <Field label="Last name" error={submit.field('body.lastName')}>
            {(c) => (
              <input {...c} value={draft.lastName} onChange={(e) => set({ lastName: e.target.value })} />
            )}
          </Field>
        </div>
        <Field label="Email" error={submit.field('body.email')}>
          {(c) => (
            <input {...c} type="email" value={draft.email} onChange={(e) => set({ email: e.target.value })} />
          )}
        </Field>
        <Field label="Phone" error={submit.field('body.phones')}>
          {(c) => (
            <input {...c} type="tel" value={draft.phone} onChange={(e) => set({ phone: e.target.value })} />
          )}
        </Field>
        <Field label="Lifecycle stage" error={submit.field('body.lifecycleStage')}>
          {(c) => (
            <select
              {...c}
              value={draft.lifecycleStage}
              onChange={(e) => set({ lifecycleStage: e.target.value as ContactDraft['lifecycleStage'] })}
            >
              <option value="lead">Lead</option>
              <option value="prospect">Prospect</option>
              <option value="customer">Customer</option>
              <option value="former">Former customer</option>
            </select>
          )}
        </Field>
        <FormProblem
          error={submit.error}
          fields={['body.firstName', 'body.lastName', 'body.email', 'body.phones', 'body.lifecycleStage']}
        />
        <div className="buttons">
          <button type="submit" className="primary" disabled={submit.busy}>
            Create contact
          </button>
        </div>
      </form>
    </Page>
  );
}

const INVOICE_READERS = ['admin', 'sales', 'finance', 'support', 'readonly'];

/** A contact's full picture: details, activities (log a call), deals, quotes, orders, invoices, timeline, history. */
export function ContactPage() {
  const { id = '' } = useParams();
  const { fmt, me, memberName } = useConsole();
  const contact = useAsync(() => ok(api.GET('/v1/contacts/{id}', { params: { path: { id } } })), [id]);
  const [activityRound, setActivityRound] = useState(0);
  const loadActivities = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/contacts/{id}/activities', {
          params: { path: { id }, query: { limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );
  const loadTimeline = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/contacts/{id}/timeline', {
          params: { path: { id }, query: { limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );
  const loadHistory = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/contacts/{id}/history', {
          params: { path: { id }, query: { limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );
  const loadDeals = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/deals', {
          params: { query: { contactId: id, limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );
  const loadQuotes = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/quotes', {
          params: { query: { contactId: id, limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );
  const loadOrders = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/orders', {
          params: { query: { contactId: id, limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );
  const loadInvoices = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/invoices', {
          params: { query: { contactId: id, limit: 25, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    [id],
  );

  if (contact.loading && !contact.data) return <Loading />;
  if (contact.error || !contact.data) return <ProblemMessage error={contact.error} />;
  const c = contact.data;
  return (
    <Page title={fullName(c)} actions={<Badge>{c.lifecycleStage}</Badge>}>
      <Section title="Details">
        <Facts
          items={[
            ['Email', c.email],
            ['Phone', c.phones[0]?.number],
            ['Best time to call', bestTime(c)],
            ['Owner', memberName(c.ownerId)],
            ['Tags', c.tags.join(', ') || undefined],
            ['Added', fmt.date(c.createdAt)],
          ]}
        />
      </Section>
      <Section title="Activities">
        <LogCall contactId={id} onLogged={() => setActivityRound((r) => r + 1)} />
        <PagedList<Schemas['Activity']>
          label="Activities"
          load={loadActivities}
          version={activityRound}
          rowKey={(a) => a.id}
          empty="No calls, meetings or notes yet."
          columns={[
            { header: 'When', cell: (a) => fmt.dateTime(a.at) },
            { header: 'Type', cell: (a) => a.type },
            {
              header: 'Summary',
              cell: (a) =>
                a.call?.purpose ??
                a.call?.notes ??
                a.meeting?.title ??
                a.note?.body ??
                a.email?.subject ??
                '',
            },
          ]}
        />
      </Section>
      <Section title="Deals">
        <PagedList<Schemas['Deal']>
          label="Deals"
          load={loadDeals}
          rowKey={(d) => d.id}
          empty="No deals."
          columns={[
            { header: 'Deal', cell: (d) => d.name },
            { header: 'Status', cell: (d) => d.status },
            { header: 'Amount', cell: (d) => fmt.money(d.amount, d.currency), className: 'num' },
          ]}
        />
      </Section>
      <Section title="Quotes">
        <PagedList<Schemas['Quote']>
          label="Quotes"
          load={loadQuotes}
          rowKey={(q) => q.id}
          empty="No quotes."
          columns={[
            { header: 'Created', cell: (q) => fmt.date(q.createdAt) },
            { header: 'Status', cell: (q) => q.status },
            { header: 'Total', cell: (q) => fmt.money(q.total, q.currency), className: 'num' },
          ]}
        />
      </Section>
      <Section title="Orders">
        <PagedList<Schemas['Order']>
          label="Orders"
          load={loadOrders}
          rowKey={(o) => o.id}
          empty="No orders."
          columns={[
            { header: 'Created', cell: (o) => fmt.date(o.createdAt) },
            { header: 'Status', cell: (o) => o.status },
            { header: 'Total', cell: (o) => fmt.money(o.total, o.currency), className: 'num' },
          ]}
        />
      </Section>
      {INVOICE_READERS.includes(me.role) ? (
        <Section title="Invoices">
          <PagedList<Schemas['Invoice']>
            label="Invoices"
            load={loadInvoices}
            rowKey={(i) => i.id}
            empty="No invoices."
            columns={[
              { header: 'Number', cell: (i) => <Link to={`/invoices/${i.id}`}>{i.number ?? 'Draft'}</Link> },
              { header: 'Status', cell: (i) => i.status },
              { header: 'Due', cell: (i) => fmt.money(i.amountDue, i.currency), className: 'num' },
            ]}
          />
        </Section>
      ) : null}
      <Section title="Timeline">
        <PagedList<Schemas['TimelineEntry']>
          label="Timeline"
          load={loadTimeline}
          version={activityRound}
          rowKey={(t) => t.id}
          empty="Nothing has happened with this contact yet."
          columns={[
            { header: 'When', cell: (t) => fmt.dateTime(t.at) },
            { header: 'What', cell: (t) => t.kind.replaceAll('_', ' ') },
            { header: 'Summary', cell: (t) => t.title },
          ]}
        />
      </Section>
      <Section title="History">
        <PagedList<Schemas['HistoryEntry']>
          label="Change history"
          load={loadHistory}
          rowKey={(h) => h.id}
          empty="No changes recorded."
          columns={[
            { header: 'When', cell: (h) => fmt.dateTime(h.at) },
            { header: 'Fields', cell: (h) => Object.keys(h.changes ?? {}).join(', ') },
          ]}
        />
      </Section>
    </Page>
  );
}

function LogCall(props: { contactId: string; onLogged: () => void }) {
  const { me } = useConsole();
  const empty = { purpose: '', outcome: 'connected' as const, notes: '' };
  const [draft, setDraft, clearDraft] = useDraft(`call.${me.id}.${props.contactId}`, empty);
  const [open, setOpen] = useState(false);
  const submit = useSubmit();
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Log a call
      </button>
    );
  return (
    <form
      className="form inline"
      aria-label="Log a call"
      onSubmit={(e) => {
        e.preventDefault();
        void submit.run(async () => {
          await ok(
            api.POST('/v1/activities', {
              body: {
                type: 'call',
                contactIds: [props.contactId],
                call: {
                  direction: 'outbound',
                  at: new Date().toISOString(),
                  outcome: draft.outcome,
                  ...(draft.purpose ? { purpose: draft.purpose } : {}),
                  ...(draft.notes ? { notes: draft.notes } : {}),
                },
              },
            }),
          );
          clearDraft();
          setOpen(false);
          props.onLogged();
        });
      }}
    >
      <Field label="Purpose" error={submit.field('body.call.purpose')}>
        {(c) => (
          <input
            {...c}
            value={draft.purpose}
            onChange={(e) => setDraft({ ...draft, purpose: e.target.value })}
          />
        )}
      </Field>
      <Field label="Outcome" error={submit.field('body.call.outcome')}>
        {(c) => (
          <select
            {...c}
            value={draft.outcome}
            onChange={(e) => setDraft({ ...draft, outcome: e.target.value as typeof draft.outcome })}
          >
            <option value="connected">Connected</option>
            <option value="no_answer">No answer</option>
            <option value="voicemail">Voicemail</option>
            <option value="busy">Busy</option>
            <option value="wrong_number">Wrong number</option>
          </select>
        )}
      </Field>
      <Field label="Notes" error={submit.field('body.call.notes')}>
        {(c) => (
          <textarea
            {...c}
            rows={3}
            value={draft.notes}
            onChange={(e) => setDraft({ ...draft, notes: e.target.value })}
          />
        )}
      </Field>
      <FormProblem error={submit.error} fields={['body.call']} />
      <div className="buttons">
        <button type="submit" className="primary" disabled={submit.busy}>
          Save the call
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

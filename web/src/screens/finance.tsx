import type { Schemas } from '@funnel/client';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useConsole } from '../app.tsx';
import { cursorOf, invoicePage, invoiceStatus, useListPages } from '../lists.ts';
import { api, ifMatch, ok } from '../session.ts';
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

type Invoice = Schemas['Invoice'];

const tone = (invoice: Pick<Invoice, 'status' | 'overdueSince'>) =>
  invoice.status === 'paid'
    ? 'good'
    : invoice.status === 'uncollectible' || invoice.overdueSince
      ? 'bad'
      : 'neutral';

const statusOf = (invoice: Pick<Invoice, 'status' | 'overdueSince'>) =>
  invoice.overdueSince && (invoice.status === 'open' || invoice.status === 'partially_paid')
    ? `${invoice.status.replace('_', ' ')}, overdue`
    : invoice.status.replace('_', ' ');

export function Invoices() {
  const { fmt } = useConsole();
  const { first, load, params, setParams } = useListPages(invoicePage);
  const status = invoiceStatus(params) ?? '';
  return (
    <Page title="Invoices">
      <div className="toolbar">
        <label htmlFor="invoice-status">Status</label>
        <select
          id="invoice-status"
          value={status}
          onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}
        >
          <option value="">All</option>
          <option value="draft">Draft</option>
          <option value="open">Open</option>
          <option value="partially_paid">Partially paid</option>
          <option value="paid">Paid</option>
          <option value="void">Void</option>
          <option value="uncollectible">Uncollectible</option>
        </select>
      </div>
      <PagedList<Invoice>
        label="Invoices"
        load={load}
        first={first}
        rowKey={(i) => i.id}
        empty="No invoices in this status."
        columns={[
          { header: 'Number', cell: (i) => <Link to={`/invoices/${i.id}`}>{i.number ?? 'Draft'}</Link> },
          { header: 'Status', cell: (i) => <Badge tone={tone(i)}>{statusOf(i)}</Badge> },
          { header: 'Due date', cell: (i) => fmt.date(i.dueDate) },
          { header: 'Total', cell: (i) => fmt.money(i.total, i.currency), className: 'num' },
          { header: 'Amount due', cell: (i) => fmt.money(i.amountDue, i.currency), className: 'num' },
        ]}
      />
    </Page>
  );
}

/** An invoice: payment entry, its payments, its dunning history and its collections task. */
export function InvoicePage() {
  const { id = '' } = useParams();
  const { fmt, me, memberName } = useConsole();
  const [round, setRound] = useState(0);
  const invoice = useAsync(() => ok(api.GET('/v1/invoices/{id}', { params: { path: { id } } })), [id, round]);
  const task = useAsync(
    () =>
      invoice.data?.collectionsTaskId
        ? ok(api.GET('/v1/tasks/{id}', { params: { path: { id: invoice.data.collectionsTaskId } } }))
        : Promise.resolve(undefined),
    [invoice.data?.collectionsTaskId, round],
  );
  const loadPayments = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/invoices/{id}/payments', {
          params: { path: { id }, query: { limit: 25, ...cursorOf(cursor) } },
        }),
      ),
    [id],
  );
  const loadTimeline = useCallback(
    (cursor?: string) =>
      ok(
        api.GET('/v1/invoices/{id}/timeline', {
          params: { path: { id }, query: { limit: 25, ...cursorOf(cursor) } },
        }),
      ),
    [id],
  );
  const [amount, setAmount, clearAmount] = useDraft(`payment.${me.id}.${id}`, '');
  const [method, setMethod] = useState<NonNullable<Schemas['PaymentCreate']['method']>>('bank_transfer');
  const [reference, setReference] = useState('');
  const submit = useSubmit();
  const [amountError, setAmountError] = useState<string>();

  if (invoice.loading && !invoice.data) return <Loading />;
  if (invoice.error || !invoice.data) return <ProblemMessage error={invoice.error} />;
  const i = invoice.data;
  const payable = i.status === 'open' || i.status === 'partially_paid';
  return (
    <Page title={`Invoice ${i.number ?? '(draft)'}`} actions={<Badge tone={tone(i)}>{statusOf(i)}</Badge>}>
      <Section title="Amounts">
        <Facts
          items={[
            [
              'Customer',
              <Link key="c" to={`/contacts/${i.contactId}`}>
                Contact
              </Link>,
            ],
            ['Issued', fmt.date(i.issueDate)],
            ['Due', fmt.date(i.dueDate)],
            ['Total', fmt.money(i.total, i.currency)],
            ['Paid', fmt.money(i.amountPaid, i.currency)],
            ['Amount due', fmt.money(i.amountDue, i.currency)],
          ]}
        />
      </Section>
      {payable ? (
        <Section title="Record a payment">
          <form
            className="form inline"
            aria-label="Record a payment"
            onSubmit={(e) => {
              e.preventDefault();
              const minor = fmt.toMinor(amount, i.currency);
              if (!Number.isFinite(minor) || minor <= 0) {
                setAmountError('Enter an amount such as 120.50.');
                return;
              }
              setAmountError(undefined);
              void submit.run(async () => {
                await ok(
                  api.POST('/v1/invoices/{id}/payments', {
                    params: { path: { id } },
                    body: { amount: minor, method, ...(reference ? { reference } : {}) },
                  }),
                );
                clearAmount();
                setReference('');
                setRound((r) => r + 1);
              });
            }}
          >
            <Field label={`Amount (${i.currency})`} error={amountError ?? submit.field('body.amount')}>
              {(c) => (
                <input
                  {...c}
                  inputMode="decimal"
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                />
              )}
            </Field>
            <Field label="Method" error={submit.field('body.method')}>
              {(c) => (
                <select {...c} value={method} onChange={(e) => setMethod(e.target.value as typeof method)}>
                  <option value="bank_transfer">Bank transfer</option>
                  <option value="card">Card</option>
                  <option value="direct_debit">Direct debit</option>
                  <option value="cash">Cash</option>
                  <option value="check">Check</option>
                  <option value="other">Other</option>
                </select>
              )}
            </Field>
            <Field label="Reference" error={submit.field('body.reference')}>
              {(c) => <input {...c} value={reference} onChange={(e) => setReference(e.target.value)} />}
            </Field>
            <FormProblem error={submit.error} fields={['body.amount', 'body.method', 'body.reference']} />
            <button type="submit" className="primary" disabled={submit.busy}>
              Record the payment
            </button>
          </form>
        </Section>
      ) : null}
      <Section title="Collections task">
        {!i.collectionsTaskId ? (
          <p className="empty">No collections task: the invoice has not needed chasing.</p>
        ) : task.loading && !task.data ? (
          <Loading />
        ) : task.error ? (
          <ProblemMessage error={task.error} />
        ) : task.data ? (
          <p data-testid="collections-task">
            {task.data.title} ·{' '}
            <Badge tone={task.data.status === 'done' ? 'good' : 'warn'}>{task.data.status}</Badge> ·{' '}
            {memberName(task.data.assigneeId)}
          </p>
        ) : null}
      </Section>
      <Section title="Payments">
        <PagedList<Schemas['Payment']>
          label="Payments"
          load={loadPayments}
          version={round}
          rowKey={(p) => p.id}
          empty="No payments yet."
          columns={[
            { header: 'Paid on', cell: (p) => fmt.date(p.paidOn) },
            { header: 'Method', cell: (p) => p.method.replace('_', ' ') },
            { header: 'Reference', cell: (p) => p.reference ?? '' },
            { header: 'Amount', cell: (p) => fmt.money(p.amount, p.currency), className: 'num' },
          ]}
        />
      </Section>
      <Section title="Dunning history">
        <PagedList<Schemas['InvoiceTimelineEntry']>
          label="Dunning history"
          load={loadTimeline}
          version={round}
          rowKey={(t) => t.id}
          empty="Nothing has happened to this invoice yet."
          columns={[
            { header: 'When', cell: (t) => fmt.dateTime(t.at) },
            { header: 'What', cell: (t) => t.kind.replaceAll('_', ' ') },
            { header: 'Summary', cell: (t) => t.summary },
          ]}
        />
      </Section>
    </Page>
  );
}

export function Aging() {
  const { fmt } = useConsole();
  const report = useAsync(() => ok(api.GET('/v1/invoices/aging')), []);
  return (
    <Page title="Receivables aging">
      {report.loading ? (
        <Loading />
      ) : report.error ? (
        <ProblemMessage error={report.error} />
      ) : !report.data?.currencies.length ? (
        <p className="empty">Nothing is owed to you.</p>
      ) : (
        <table className="table">
          <caption>As of {fmt.date(report.data.asOf)}</caption>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col" className="num">
                Not yet due
              </th>
              <th scope="col" className="num">
                1–30 days
              </th>
              <th scope="col" className="num">
                31–60 days
              </th>
              <th scope="col" className="num">
                61–90 days
              </th>
              <th scope="col" className="num">
                Over 90 days
              </th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {report.data.currencies.map((row) => (
              <tr key={row.currency}>
                <td data-label="Currency">{row.currency}</td>
                {(['current', 'days1To30', 'days31To60', 'days61To90', 'over90Days', 'total'] as const).map(
                  (bucket) => (
                    <td key={bucket} data-label={bucket} className="num">
                      {fmt.money(row[bucket], row.currency)}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

type Level = Schemas['DunningLevelInput'];

/** The dunning policy: its levels (when, what mail, which action), saved with If-Match. */
export function DunningPolicy() {
  const policy = useAsync(() => ok(api.GET('/v1/dunning-policy')), []);
  const [levels, setLevels] = useState<Level[]>();
  const [instructions, setInstructions] = useState('');
  const [saved, setSaved] = useState(false);
  const submit = useSubmit();
  useEffect(() => {
    if (!policy.data) return;
    setLevels(policy.data.levels as Level[]);
    setInstructions(policy.data.paymentInstructions);
  }, [policy.data]);
  if (policy.loading && !policy.data) return <Loading />;
  if (policy.error || !policy.data || !levels) return <ProblemMessage error={policy.error} />;
  const update = (index: number, patch: Partial<Level>) => {
    setSaved(false);
    setLevels(levels.map((l, i) => (i === index ? { ...l, ...patch } : l)));
  };
  return (
    <Page title="Dunning policy">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit.run(async () => {
            const next = await ok(
              api.PUT('/v1/dunning-policy', {
                params: { header: ifMatch(policy.data!.version) },
                body: { levels, paymentInstructions: instructions },
              }),
            );
            policy.setData(next);
            setSaved(true);
          });
        }}
      >
        {levels.map((level, index) => (
          <fieldset key={level.id ?? index} className="level">
            <legend>
              Level {index + 1}: {level.name}
            </legend>
            <div className="row">
              <Field label="Name" error={submit.field(`body.levels.${index}.name`)}>
                {(c) => (
                  <input
                    {...c}
                    value={level.name}
                    onChange={(e) => update(index, { name: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Days after the due date"
                hint="Negative: before it."
                error={submit.field(`body.levels.${index}.offsetDays`)}
              >
                {(c) => (
                  <input
                    {...c}
                    type="number"
                    value={level.offsetDays}
                    onChange={(e) => update(index, { offsetDays: Number(e.target.value) })}
                  />
                )}
              </Field>
              <Field label="Then" error={submit.field(`body.levels.${index}.action`)}>
                {(c) => (
                  <select
                    {...c}
                    value={level.action ?? 'none'}
                    onChange={(e) => update(index, { action: e.target.value as Level['action'] })}
                  >
                    <option value="none">Only mail</option>
                    <option value="raise_priority">Raise the collections task’s priority</option>
                    <option value="escalate">Escalate</option>
                  </select>
                )}
              </Field>
            </div>
            <Field label="Email subject" error={submit.field(`body.levels.${index}.email.subject`)}>
              {(c) => (
                <input
                  {...c}
                  value={level.email.subject}
                  onChange={(e) => update(index, { email: { ...level.email, subject: e.target.value } })}
                />
              )}
            </Field>
            <Field label="Email text" error={submit.field(`body.levels.${index}.email.text`)}>
              {(c) => (
                <textarea
                  {...c}
                  rows={4}
                  value={level.email.text}
                  onChange={(e) => update(index, { email: { ...level.email, text: e.target.value } })}
                />
              )}
            </Field>
            <label className="choice">
              <input
                type="checkbox"
                checked={level.copyFinance ?? false}
                onChange={(e) => update(index, { copyFinance: e.target.checked })}
              />
              Send a copy to the finance address
            </label>
          </fieldset>
        ))}
        <Field label="Payment instructions" error={submit.field('body.paymentInstructions')}>
          {(c) => (
            <textarea
              {...c}
              rows={3}
              value={instructions}
              onChange={(e) => setInstructions(e.target.value)}
            />
          )}
        </Field>
        <FormProblem error={submit.error} fields={['body.levels', 'body.paymentInstructions']} />
        <div className="buttons">
          <button type="submit" className="primary" disabled={submit.busy}>
            Save the policy
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

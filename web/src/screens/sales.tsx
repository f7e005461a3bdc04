import type { Schemas } from '@funnel/client';
import { type DragEvent, type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useConsole } from '../app.tsx';
import {
  cursorOf,
  leadPage,
  leadStatus,
  orderPage,
  purchaseOrderPage,
  quotePage,
  useListPages,
} from '../lists.ts';
import { ApiError, api, ifMatch, ok } from '../session.ts';
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
import { fullName } from './contacts.tsx';

type Deal = Schemas['Deal'];
type Lead = Schemas['Lead'];
type Product = Schemas['Product'];

/** New and working leads, with their owner; assigning one is a PATCH with If-Match. */
export function LeadInbox() {
  const { members, fmt, memberName } = useConsole();
  const { first, load, params, setParams } = useListPages(leadPage);
  const status = leadStatus(params);
  const [round, setRound] = useState(0);
  const [error, setError] = useState<unknown>();
  const sellers = [...members.values()].filter(
    (m) => m.status === 'active' && (m.role === 'sales' || m.role === 'admin'),
  );
  const assign = async (lead: Lead, ownerId: string) => {
    setError(undefined);
    try {
      await ok(
        api.PATCH('/v1/leads/{id}', {
          params: { path: { id: lead.id }, header: ifMatch(lead.version) },
          body: { ownerId: ownerId || null },
        }),
      );
      setRound((r) => r + 1);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <Page title="Leads">
      <div className="toolbar">
        <label htmlFor="lead-status">Status</label>
        <select id="lead-status" value={status} onChange={(e) => setParams({ status: e.target.value })}>
          <option value="new">New</option>
          <option value="working">Working</option>
          <option value="qualified">Qualified</option>
          <option value="disqualified">Disqualified</option>
        </select>
      </div>
      <ProblemMessage error={error} />
      <PagedList<Lead>
        label="Leads"
        load={load}
        first={first}
        version={round}
        rowKey={(l) => l.id}
        empty="No leads in this status."
        columns={[
          { header: 'Received', cell: (l) => fmt.dateTime(l.receivedAt) },
          {
            header: 'Who',
            cell: (l) =>
              l.contactId ? (
                <Link to={`/contacts/${l.contactId}`}>
                  {l.person ? `${l.person.firstName ?? ''} ${l.person.lastName ?? ''}` : 'Contact'}
                </Link>
              ) : (
                (l.person?.email ?? '—')
              ),
          },
          { header: 'Source', cell: (l) => l.source },
          { header: 'Score', cell: (l) => fmt.number(l.score), className: 'num' },
          {
            header: 'Owner',
            cell: (l) => (
              <select
                aria-label={`Owner of the lead from ${l.source} received ${fmt.dateTime(l.receivedAt)}`}
                value={l.ownerId ?? ''}
                onChange={(e) => void assign(l, e.target.value)}
              >
                <option value="">Unassigned</option>
                {/* An owner who is not a seller (a marketer, someone deactivated) is still the owner. */}
                {l.ownerId && !sellers.some((m) => m.id === l.ownerId) ? (
                  <option value={l.ownerId}>{memberName(l.ownerId)}</option>
                ) : null}
                {sellers.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            ),
          },
        ]}
      />
    </Page>
  );
}

interface Conflict {
  latest: Deal;
  wanted: string;
}

/**
 * The pipeline board: open deals by stage. A deal moves by drag and drop, or with its stage
 * menu from the keyboard (and on touch screens). Every move is a PATCH with If-Match: when
 * someone changed the deal meanwhile, the API answers 412, the board shows the deal as it is
 * now and lets the user move it again or keep it, so no change is lost silently.
 */
export function PipelineBoard() {
  const { fmt, memberName } = useConsole();
  const pipelines = useAsync(() => ok(api.GET('/v1/pipelines', { params: { query: { limit: 100 } } })), []);
  const [pipelineId, setPipelineId] = useState<string>();
  const pipeline = pipelines.data?.items.find((p) => p.id === pipelineId) ?? pipelines.data?.items[0];
  const [deals, setDeals] = useState<Deal[]>();
  const [error, setError] = useState<unknown>();
  const [conflict, setConflict] = useState<Conflict>();
  const [moving, setMoving] = useState<string>();
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (!pipeline) return;
    let live = true;
    setDeals(undefined);
    (async () => {
      const all: Deal[] = [];
      let cursor: string | undefined;
      do {
        const page = await ok(
          api.GET('/v1/deals', {
            params: { query: { pipelineId: pipeline.id, status: 'open', limit: 100, ...cursorOf(cursor) } },
          }),
        );
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && all.length < 500);
      if (live) setDeals(all);
    })().catch((caught) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [pipeline]);

  const stageName = (id: string) => pipeline?.stages.find((s) => s.id === id)?.name ?? id;
  const replace = (deal: Deal) => setDeals((current) => current?.map((d) => (d.id === deal.id ? deal : d)));

  const move = async (deal: Deal, stageId: string) => {
    if (deal.stageId === stageId) return;
    setError(undefined);
    setConflict(undefined);
    setMoving(deal.id);
    try {
      const moved = await ok(
        api.PATCH('/v1/deals/{id}', {
          params: { path: { id: deal.id }, header: ifMatch(deal.version) },
          body: { stageId },
        }),
      );
      replace(moved);
      setAnnouncement(`${moved.name} moved to ${stageName(stageId)}.`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        const latest = await ok(api.GET('/v1/deals/{id}', { params: { path: { id: deal.id } } }));
        replace(latest);
        setConflict({ latest, wanted: stageId });
      } else setError(caught);
    } finally {
      setMoving(undefined);
    }
  };

  const onDrop = (event: DragEvent, stageId: string) => {
    event.preventDefault();
    const deal = deals?.find((d) => d.id === event.dataTransfer.getData('text/plain'));
    if (deal) void move(deal, stageId);
  };

  if (pipelines.loading) return <Loading />;
  if (pipelines.error) return <ProblemMessage error={pipelines.error} />;
  if (!pipeline)
    return (
      <Page title="Pipeline">
        <p className="empty">No pipeline yet: an admin creates one with its stages.</p>
      </Page>
    );
  const openStages = pipeline.stages.filter((s) => s.outcome === 'open');
  const closing = pipeline.stages.filter((s) => s.outcome !== 'open');
  return (
    <Page
      title="Pipeline"
      actions={
        (pipelines.data?.items.length ?? 0) > 1 ? (
          <>
            <label htmlFor="pipeline">Pipeline</label>
            <select id="pipeline" value={pipeline.id} onChange={(e) => setPipelineId(e.target.value)}>
              {pipelines.data?.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </>
        ) : null
      }
    >
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {conflict ? (
        <div className="problem conflict" role="alert">
          <strong>“{conflict.latest.name}” was changed by someone else meanwhile.</strong>
          <p>
            It is now in {stageName(conflict.latest.stageId)}
            {conflict.latest.stageId === conflict.wanted
              ? ', where you wanted it.'
              : '. Your move was not applied.'}
          </p>
          <div className="buttons">
            {conflict.latest.stageId !== conflict.wanted ? (
              <button
                type="button"
                className="primary"
                onClick={() => void move(conflict.latest, conflict.wanted)}
              >
                Move it to {stageName(conflict.wanted)} anyway
              </button>
            ) : null}
            <button type="button" className="secondary" onClick={() => setConflict(undefined)}>
              Keep it in {stageName(conflict.latest.stageId)}
            </button>
          </div>
        </div>
      ) : null}
      <ProblemMessage error={error} />
      {!deals ? (
        <Loading />
      ) : (
        // Wider than a phone: a keyboard reaches its scrolling too (axe: scrollable-region-focusable).
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to scroll by keyboard
        <section className="board" aria-label="Stages" tabIndex={0}>
          {openStages.map((stage) => {
            const inStage = deals.filter((d) => d.stageId === stage.id);
            // Amounts in different currencies do not add up: one total per currency.
            const totals = new Map<string, number>();
            for (const d of inStage) totals.set(d.currency, (totals.get(d.currency) ?? 0) + d.amount);
            return (
              <section
                key={stage.id}
                className="column"
                aria-label={`${stage.name}, ${inStage.length} deals`}
                data-stage={stage.id}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => onDrop(e, stage.id)}
              >
                <h2>
                  {stage.name} <span className="muted">{fmt.percent(stage.probability / 100)}</span>
                </h2>
                <p className="muted">
                  {inStage.length} ·{' '}
                  {totals.size
                    ? [...totals].map(([currency, total]) => fmt.money(total, currency)).join(', ')
                    : fmt.money(0)}
                </p>
                <ul>
                  {inStage.map((deal) => (
                    <li
                      key={deal.id}
                      className={moving === deal.id ? 'deal moving' : 'deal'}
                      draggable
                      data-deal={deal.id}
                      onDragStart={(e) => e.dataTransfer.setData('text/plain', deal.id)}
                    >
                      <strong>{deal.name}</strong>
                      <span>{fmt.money(deal.amount, deal.currency)}</span>
                      <span className="muted">{memberName(deal.ownerId)}</span>
                      <label className="visually-hidden" htmlFor={`stage-${deal.id}`}>
                        Stage of {deal.name}
                      </label>
                      <select
                        id={`stage-${deal.id}`}
                        value={deal.stageId}
                        onChange={(e) => void move(deal, e.target.value)}
                      >
                        {[...openStages, ...closing].map((s) => (
                          <option key={s.id} value={s.id}>
                            {s.name}
                          </option>
                        ))}
                      </select>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
          {closing.map((stage) => (
            <section
              key={stage.id}
              className={`column drop ${stage.outcome}`}
              aria-label={`${stage.name}: drop a deal here to close it`}
              data-stage={stage.id}
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => onDrop(e, stage.id)}
            >
              <h2>{stage.name}</h2>
              <p className="muted">Drop here to mark {stage.outcome}</p>
            </section>
          ))}
        </section>
      )}
    </Page>
  );
}

export function Quotes() {
  const { fmt } = useConsole();
  const { first, load } = useListPages(quotePage);
  return (
    <Page
      title="Quotes"
      actions={
        <Link className="button primary" to="/quotes/new">
          New quote
        </Link>
      }
    >
      <PagedList<Schemas['Quote']>
        label="Quotes"
        load={load}
        first={first}
        rowKey={(q) => q.id}
        empty="No quotes yet."
        columns={[
          { header: 'Created', cell: (q) => fmt.date(q.createdAt) },
          { header: 'Customer', cell: (q) => <Link to={`/contacts/${q.contactId}`}>Contact</Link> },
          { header: 'Status', cell: (q) => <Badge>{q.status}</Badge> },
          { header: 'Valid until', cell: (q) => fmt.date(q.validUntil) },
          { header: 'Total', cell: (q) => fmt.money(q.total, q.currency), className: 'num' },
        ]}
      />
    </Page>
  );
}

interface QuoteLineDraft {
  key: string;
  productId: string;
  quantity: number;
  selection: Record<string, string>;
  summary: string;
  unitAmount: number;
  currency: string;
}

interface QuoteDraft {
  contact?: { id: string; name: string };
  lines: QuoteLineDraft[];
}

/**
 * The quote builder with the configurator: choose a customer, a product and its options; every
 * choice asks the API to configure the product (price, lead time) and shows the rules the
 * selection breaks next to the options, before anything is saved.
 */
export function QuoteBuilder() {
  const { me, fmt } = useConsole();
  const navigate = useNavigate();
  const [draft, setDraft, clearDraft] = useDraft<QuoteDraft>(`quote.new.${me.id}`, { lines: [] });
  const submit = useSubmit();
  return (
    <Page title="New quote">
      <Section title="Customer">
        {draft.contact ? (
          <p>
            <Link to={`/contacts/${draft.contact.id}`}>{draft.contact.name}</Link>{' '}
            <button type="button" className="link" onClick={() => setDraft({ ...draft, contact: undefined })}>
              Change
            </button>
          </p>
        ) : (
          <ContactPicker onPick={(contact) => setDraft({ ...draft, contact })} />
        )}
      </Section>
      <Configurator onAdd={(line) => setDraft({ ...draft, lines: [...draft.lines, line] })} />
      <Section title="Lines">
        {draft.lines.length === 0 ? (
          <p className="empty">No lines yet: configure a product and add it.</p>
        ) : (
          <table className="table">
            <caption className="visually-hidden">Quote lines</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Unit price
                </th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.lines.map((line) => (
                <tr key={line.key}>
                  <td data-label="Product">{line.summary}</td>
                  <td data-label="Quantity" className="num">
                    {fmt.number(line.quantity)}
                  </td>
                  <td data-label="Unit price" className="num">
                    {fmt.money(line.unitAmount, line.currency)}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() =>
                        setDraft({ ...draft, lines: draft.lines.filter((l) => l.key !== line.key) })
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <FormProblem error={submit.error} fields={[]} />
        <div className="buttons">
          <button
            type="button"
            className="primary"
            disabled={!draft.contact || draft.lines.length === 0 || submit.busy}
            onClick={() =>
              void submit.run(async () => {
                if (!draft.contact) return;
                await ok(
                  api.POST('/v1/quotes', {
                    body: {
                      contactId: draft.contact.id,
                      lines: draft.lines.map((l) => ({
                        productId: l.productId,
                        quantity: l.quantity,
                        selection: l.selection,
                      })),
                    },
                  }),
                );
                clearDraft();
                navigate('/quotes');
              })
            }
          >
            Create the quote
          </button>
        </div>
      </Section>
    </Page>
  );
}

function ContactPicker(props: { onPick: (contact: { id: string; name: string }) => void }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState<Schemas['Contact'][]>();
  const [error, setError] = useState<unknown>();
  const search = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const query = text.includes('@') ? { email: text } : { namePrefix: text };
      setFound((await ok(api.GET('/v1/contacts', { params: { query: { ...query, limit: 10 } } }))).items);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form className="search" aria-label="Find the customer" onSubmit={search}>
      <label htmlFor="customer-search">Customer’s last name or email</label>
      <input id="customer-search" type="search" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit">Find</button>
      <ProblemMessage error={error} />
      {found ? (
        found.length === 0 ? (
          <p className="empty">Nobody found.</p>
        ) : (
          <ul className="picks">
            {found.map((c) => (
              <li key={c.id}>
                <button type="button" onClick={() => props.onPick({ id: c.id, name: fullName(c) })}>
                  {fullName(c)} {c.email ? <span className="muted">{c.email}</span> : null}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </form>
  );
}

function Configurator(props: { onAdd: (line: QuoteLineDraft) => void }) {
  const { fmt } = useConsole();
  const products = useAsync(
    () => ok(api.GET('/v1/products', { params: { query: { active: 'true', limit: 100 } } })),
    [],
  );
  const [productId, setProductId] = useState('');
  const [selection, setSelection] = useState<Record<string, string>>({});
  const [quantity, setQuantity] = useState('1');
  const [configuration, setConfiguration] = useState<Schemas['Configuration']>();
  const [problem, setProblem] = useState<unknown>();
  const product: Product | undefined = products.data?.items.find((p) => p.id === productId);

  useEffect(() => {
    if (!product) return;
    let live = true;
    setProblem(undefined);
    ok(
      api.POST('/v1/products/{id}/configure', { params: { path: { id: product.id } }, body: { selection } }),
    ).then(
      (result) => live && setConfiguration(result),
      (caught) => {
        if (!live) return;
        setConfiguration(undefined);
        setProblem(caught);
      },
    );
    return () => {
      live = false;
    };
  }, [product, selection]);

  const issues = problem instanceof ApiError ? (problem.problem.errors ?? []) : [];
  const issueFor = (group: string) =>
    issues.filter((i) => i.path.split('.').includes(group)).map((i) => i.message);
  const unplaced = issues.filter((i) => !product?.optionGroups.some((g) => i.path.split('.').includes(g.id)));
  const minimum = product?.minOrderQuantity ?? 1;
  const count = Number(quantity);
  const quantityError =
    !Number.isInteger(count) || count < minimum
      ? `At least ${fmt.number(minimum)} (the minimum order quantity).`
      : undefined;

  return (
    <Section title="Configure a product">
      {products.loading ? <Loading /> : <ProblemMessage error={products.error} />}
      <div className="form">
        <Field label="Product">
          {(c) => (
            <select
              {...c}
              value={productId}
              onChange={(e) => {
                setProductId(e.target.value);
                setSelection({});
                setConfiguration(undefined);
              }}
            >
              <option value="">Choose a product</option>
              {products.data?.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.sku})
                </option>
              ))}
            </select>
          )}
        </Field>
        {product?.optionGroups.map((group) => {
          const messages = issueFor(group.id);
          return (
            <fieldset key={group.id} className={messages.length ? 'options invalid' : 'options'}>
              <legend>
                {group.name}
                {group.required ? '' : ' (optional)'}
              </legend>
              {group.choices.map((choice) => (
                <label key={choice.id} className="choice">
                  <input
                    type="radio"
                    name={`group-${group.id}`}
                    value={choice.id}
                    checked={selection[group.id] === choice.id}
                    onChange={() => setSelection({ ...selection, [group.id]: choice.id })}
                  />
                  {choice.name}
                </label>
              ))}
              {messages.map((m) => (
                <p key={m} className="field-error" role="alert">
                  {m}
                </p>
              ))}
            </fieldset>
          );
        })}
        {product ? (
          <Field label="Quantity" error={quantityError}>
            {(c) => (
              <input
                {...c}
                type="number"
                min={minimum}
                value={quantity}
                onChange={(e) => setQuantity(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {unplaced.length ? (
          <div className="problem" role="alert">
            <ul>
              {unplaced.map((i) => (
                <li key={i.path}>{i.message}</li>
              ))}
            </ul>
          </div>
        ) : problem && !(problem instanceof ApiError && issues.length) ? (
          <ProblemMessage error={problem} />
        ) : null}
        {product && configuration ? (
          <div className="summary" aria-live="polite">
            <p>
              <strong>{configuration.summary}</strong>
            </p>
            <p>
              Unit price {fmt.money(configuration.unitAmount, configuration.currency)} · lead time{' '}
              {fmt.number(configuration.leadTimeDays)} days · minimum order {fmt.number(minimum)}
            </p>
            <button
              type="button"
              className="primary"
              disabled={Boolean(quantityError)}
              onClick={() =>
                props.onAdd({
                  key: crypto.randomUUID(),
                  productId: product.id,
                  quantity: count,
                  selection,
                  summary: configuration.summary,
                  unitAmount: configuration.unitAmount,
                  currency: configuration.currency,
                })
              }
            >
              Add to the quote
            </button>
          </div>
        ) : null}
      </div>
    </Section>
  );
}

export function Orders() {
  const { fmt } = useConsole();
  const { first, load } = useListPages(orderPage);
  return (
    <Page title="Orders">
      <PagedList<Schemas['Order']>
        label="Orders"
        load={load}
        first={first}
        rowKey={(o) => o.id}
        empty="No orders yet."
        columns={[
          { header: 'Created', cell: (o) => fmt.date(o.createdAt) },
          { header: 'Customer', cell: (o) => <Link to={`/contacts/${o.contactId}`}>Contact</Link> },
          { header: 'Status', cell: (o) => <Badge>{o.status}</Badge> },
          { header: 'Total', cell: (o) => fmt.money(o.total, o.currency), className: 'num' },
        ]}
      />
    </Page>
  );
}

/** A product and its stock, or the error that reading it met (none when its stock is not tracked). */
interface StockRow {
  product: Product;
  stock?: Schemas['Stock'];
  error?: unknown;
}

export function StockLevels() {
  const { fmt } = useConsole();
  const load = useCallback(async (cursor?: string) => {
    const page = await ok(api.GET('/v1/products', { params: { query: { limit: 25, ...cursorOf(cursor) } } }));
    const items = await Promise.all(
      page.items.map(async (product) => ({
        product,
        ...(product.trackStock
          ? await ok(api.GET('/v1/products/{id}/stock', { params: { path: { id: product.id } } })).then(
              (stock) => ({ stock }),
              (error: unknown) => ({ error }),
            )
          : {}),
      })),
    );
    return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }, []);
  return (
    <Page title="Stock">
      <PagedList<StockRow>
        label="Stock by product"
        load={load}
        rowKey={(r) => r.product.id}
        empty="No products yet."
        columns={[
          { header: 'Product', cell: (r) => `${r.product.name} (${r.product.sku})` },
          {
            header: 'On hand',
            cell: (r) =>
              r.stock ? (
                fmt.number(r.stock.onHand)
              ) : r.error ? (
                <ProblemMessage error={r.error} />
              ) : r.product.trackStock ? (
                '—'
              ) : (
                'Not tracked'
              ),
            className: 'num',
          },
          {
            header: 'Available',
            cell: (r) => (r.stock ? fmt.number(r.stock.available) : '—'),
            className: 'num',
          },
          {
            header: 'On order',
            cell: (r) => (r.stock ? fmt.number(r.stock.onOrder) : '—'),
            className: 'num',
          },
          {
            header: 'Level',
            cell: (r) =>
              r.stock ? (
                r.stock.available <= r.stock.reorderPoint ? (
                  <Badge tone="warn">Low</Badge>
                ) : (
                  <Badge tone="good">OK</Badge>
                )
              ) : null,
          },
        ]}
      />
    </Page>
  );
}

export function PurchaseOrders() {
  const { fmt } = useConsole();
  const { first, load } = useListPages(purchaseOrderPage);
  return (
    <Page title="Purchase orders">
      <PagedList<Schemas['PurchaseOrder']>
        label="Purchase orders"
        load={load}
        first={first}
        rowKey={(p) => p.id}
        empty="No purchase orders yet."
        columns={[
          { header: 'Created', cell: (p) => fmt.date(p.createdAt) },
          { header: 'Supplier', cell: (p) => p.supplierName },
          { header: 'Status', cell: (p) => <Badge>{p.status}</Badge> },
          {
            header: 'Lines',
            cell: (p) => p.lines.map((l) => `${fmt.number(l.quantity)} × ${l.name}`).join(', '),
          },
        ]}
      />
    </Page>
  );
}

import type { Schemas } from '@funnel/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useConsole } from '../app.tsx';
import { cursorOf, mailingListPage, segmentPage, surveyPage, templatePage, useListPages } from '../lists.ts';
import { ApiError, api, ifMatch, ok } from '../session.ts';
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

type Campaign = Schemas['Campaign'];

export function MailingLists() {
  const { fmt } = useConsole();
  const { first, load } = useListPages(mailingListPage);
  return (
    <Page title="Lists">
      <PagedList<Schemas['List']>
        label="Mailing lists"
        load={load}
        first={first}
        rowKey={(l) => l.id}
        empty="No lists yet."
        columns={[
          { header: 'List', cell: (l) => l.name },
          { header: 'Members', cell: (l) => fmt.number(l.memberCount), className: 'num' },
          { header: 'Created', cell: (l) => fmt.date(l.createdAt) },
        ]}
      />
    </Page>
  );
}

export function Segments() {
  const { fmt } = useConsole();
  const { first, load } = useListPages(segmentPage);
  return (
    <Page
      title="Segments"
      actions={
        <Link className="button primary" to="/segments/new">
          New segment
        </Link>
      }
    >
      <PagedList<Schemas['Segment']>
        label="Segments"
        load={load}
        first={first}
        rowKey={(s) => s.id}
        empty="No segments yet: build the first one."
        columns={[
          { header: 'Segment', cell: (s) => <Link to={`/segments/${s.id}`}>{s.name}</Link> },
          { header: 'Conditions', cell: (s) => fmt.number(s.conditions.length), className: 'num' },
          { header: 'Changed', cell: (s) => fmt.date(s.updatedAt) },
        ]}
      />
    </Page>
  );
}

type Stage = Schemas['LifecycleStage'];
type Segment = Schemas['Segment'];
type Condition = Schemas['SegmentConditionInput'];
interface SegmentDraft {
  name: string;
  /** The tags a contact must have. */
  tags: string;
  stages: Stage[];
  /** The conditions the builder does not edit (a tag that must be absent, an owner…): kept as they are. */
  kept: Condition[];
}
/** A draft kept in the tab's sessionStorage: a change not saved yet, and the version it was made on. */
interface StoredDraft extends SegmentDraft {
  basedOn?: number | undefined;
}
const STAGES: Stage[] = ['lead', 'prospect', 'customer', 'former'];
const EMPTY_SEGMENT: SegmentDraft = { name: '', tags: '', stages: [], kept: [] };

function draftOf(segment: Segment): SegmentDraft {
  const tags: string[] = [];
  let stages: Stage[] | undefined;
  const kept: Condition[] = [];
  for (const condition of segment.conditions) {
    if (condition.type === 'tag' && condition.present !== false) tags.push(condition.tag);
    else if (condition.type === 'lifecycle_stage' && !stages) stages = condition.stages;
    else kept.push(condition);
  }
  return { name: segment.name, tags: tags.join(', '), stages: stages ?? [], kept };
}

function conditionsOf(draft: SegmentDraft): Condition[] {
  const conditions: Condition[] = draft.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((tag) => ({ type: 'tag' as const, tag, present: true }));
  if (draft.stages.length) conditions.push({ type: 'lifecycle_stage', stages: draft.stages });
  return [...conditions, ...draft.kept];
}

const sameChange = (a: SegmentDraft, b: SegmentDraft) =>
  JSON.stringify([a.name, a.tags, a.stages, a.kept]) === JSON.stringify([b.name, b.tags, b.stages, b.kept]);

function readStoredDraft(key: string): StoredDraft | undefined {
  const saved = sessionStorage.getItem(key);
  if (!saved) return undefined;
  const draft = JSON.parse(saved) as StoredDraft;
  return { ...draft, kept: draft.kept ?? [] };
}

/** A condition the builder does not edit, as a person reads it. */
function describeCondition(c: Condition, memberName: (id: string) => string): string {
  switch (c.type) {
    case 'tag':
      return c.present === false ? `Does not have the tag “${c.tag}”` : `Has the tag “${c.tag}”`;
    case 'lifecycle_stage':
      return `Lifecycle stage is one of ${c.stages.join(', ')}`;
    case 'owner':
      return `Owned by ${memberName(c.ownerId)}`;
    case 'company':
      return `Belongs to the company ${c.companyId}`;
    case 'region':
      return `Lives in ${c.country}${c.region ? ` (${c.region})` : ''}`;
    case 'consent':
      return `Marketing consent is ${c.statuses.join(' or ')}`;
    case 'bought':
      return `Bought the product ${c.productId}`;
    case 'not_bought':
      return `Never bought the product ${c.productId}`;
    case 'cross_sell':
      return `Likely to buy ${c.otherProductId} with ${c.productId} (lift at least ${c.minLift})`;
    case 'last_purchase':
      return `Last purchase${c.onOrAfter ? ` on or after ${c.onOrAfter}` : ''}${c.before ? ` before ${c.before}` : ''}`;
    case 'never_purchased':
      return 'Never purchased';
    case 'field':
      return `${c.field} ${c.op.replaceAll('_', ' ')}${c.value === undefined ? '' : ` ${String(c.value)}`}`;
  }
}

/**
 * The segment builder: conditions on tags and lifecycle stages; the segment's other conditions
 * are shown and kept as they are. The segment is saved as the user changes it (never merely for
 * being opened), and every save shows the live count and a preview of who is in it (the API's
 * preview of the saved segment). A change not saved yet is kept in the tab's sessionStorage with
 * the version it was made on, and saved with that version in If-Match: when someone else changed
 * the segment meanwhile, the API answers 412 and the builder asks whose version to keep.
 */
export function SegmentBuilder() {
  const { id = 'new' } = useParams();
  const navigate = useNavigate();
  const { me, fmt, memberName } = useConsole();
  const existing = useAsync(
    () =>
      id === 'new'
        ? Promise.resolve(undefined)
        : ok(api.GET('/v1/segments/{id}', { params: { path: { id } } })),
    [id],
  );
  const storageKey = `funnel.draft.segment.${me.id}.${id}`;
  const [draft, setDraft] = useState<SegmentDraft>();
  /** Changes made by the user (or a kept draft restored): only these are saved. */
  const [changes, setChanges] = useState(0);
  const version = useRef<number | undefined>(undefined);
  const shownFor = useRef<string | undefined>(undefined);
  const [preview, setPreview] = useState<Schemas['SegmentPreview']>();
  const [previewError, setPreviewError] = useState<unknown>();
  const [conflict, setConflict] = useState<Segment>();
  const submit = useSubmit();

  const showPreview = useCallback(async (segmentId: string) => {
    setPreviewError(undefined);
    try {
      setPreview(await ok(api.GET('/v1/segments/{id}/preview', { params: { path: { id: segmentId } } })));
    } catch (caught) {
      setPreviewError(caught);
    }
  }, []);

  useEffect(() => {
    if (shownFor.current === id || (id !== 'new' && !existing.data)) return;
    shownFor.current = id;
    const kept = readStoredDraft(storageKey);
    if (kept) {
      const { basedOn, ...change } = kept;
      version.current = basedOn;
      setDraft(change);
      setChanges((n) => n + 1);
      return;
    }
    const segment = existing.data;
    version.current = segment?.version;
    setDraft(segment ? draftOf(segment) : EMPTY_SEGMENT);
    if (segment) void showPreview(segment.id);
  }, [existing.data, id, storageKey, showPreview]);

  const change = (next: SegmentDraft) => {
    setDraft(next);
    const stored: StoredDraft = { ...next, basedOn: version.current };
    sessionStorage.setItem(storageKey, JSON.stringify(stored));
    setChanges((n) => n + 1);
  };

  /** After a save: the stored draft is dropped, unless the user changed more meanwhile. */
  const saved = (key: string, what: SegmentDraft) => {
    const stored = readStoredDraft(key);
    if (!stored || sameChange(stored, what)) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify({ ...stored, basedOn: version.current }));
  };

  const save = (what: SegmentDraft) =>
    submit.run(async () => {
      const conditions = conditionsOf(what);
      if (id === 'new') {
        const created = await ok(api.POST('/v1/segments', { body: { name: what.name, conditions } }));
        version.current = created.version;
        saved(storageKey, what);
        shownFor.current = created.id;
        navigate(`/segments/${created.id}`, { replace: true });
        await showPreview(created.id);
        return;
      }
      try {
        const updated = await ok(
          api.PATCH('/v1/segments/{id}', {
            params: { path: { id }, ...(version.current ? { header: ifMatch(version.current) } : {}) },
            body: { name: what.name, conditions },
          }),
        );
        version.current = updated.version;
      } catch (caught) {
        if (!(caught instanceof ApiError && caught.status === 412)) throw caught;
        setConflict(await ok(api.GET('/v1/segments/{id}', { params: { path: { id } } })));
        return;
      }
      setConflict(undefined);
      saved(storageKey, what);
      await showPreview(id);
    });

  const conditions = draft ? conditionsOf(draft) : [];
  const ready = draft !== undefined && draft.name.trim() !== '' && conditions.length > 0;

  // biome-ignore lint/correctness/useExhaustiveDependencies: saving follows the user's changes
  useEffect(() => {
    if (changes === 0 || !ready || !draft) return;
    const timer = setTimeout(() => void save(draft), 500);
    return () => clearTimeout(timer);
  }, [changes]);

  if (existing.error) return <ProblemMessage error={existing.error} />;
  if (!draft) return <Loading />;
  return (
    <Page title={id === 'new' ? 'New segment' : draft.name || 'Segment'}>
      {conflict ? (
        <div className="problem conflict" role="alert">
          <strong>“{conflict.name}” was changed by someone else meanwhile.</strong>
          <p>Your changes were not saved.</p>
          <div className="buttons">
            <button
              type="button"
              className="primary"
              onClick={() => {
                version.current = conflict.version;
                setConflict(undefined);
                void save(draft);
              }}
            >
              Save mine anyway
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                sessionStorage.removeItem(storageKey);
                version.current = conflict.version;
                setDraft(draftOf(conflict));
                setConflict(undefined);
                void showPreview(conflict.id);
              }}
            >
              Keep theirs
            </button>
          </div>
        </div>
      ) : null}
      <div className="split">
        <form className="form" onSubmit={(e) => e.preventDefault()} aria-label="Segment conditions">
          <Field label="Name" error={submit.field('body.name')}>
            {(c) => (
              <input {...c} value={draft.name} onChange={(e) => change({ ...draft, name: e.target.value })} />
            )}
          </Field>
          <Field
            label="Has all these tags"
            hint="Separate tags with commas."
            error={submit.field('body.conditions')}
          >
            {(c) => (
              <input {...c} value={draft.tags} onChange={(e) => change({ ...draft, tags: e.target.value })} />
            )}
          </Field>
          <fieldset className="options">
            <legend>Lifecycle stage is one of</legend>
            {STAGES.map((stage) => (
              <label key={stage} className="choice">
                <input
                  type="checkbox"
                  checked={draft.stages.includes(stage)}
                  onChange={(e) =>
                    change({
                      ...draft,
                      stages: e.target.checked
                        ? [...draft.stages, stage]
                        : draft.stages.filter((s) => s !== stage),
                    })
                  }
                />
                {stage}
              </label>
            ))}
          </fieldset>
          {draft.kept.length ? (
            <div className="field">
              <p id="kept-conditions">And these conditions, kept as they are:</p>
              <ul aria-labelledby="kept-conditions">
                {draft.kept.map((c) => (
                  <li key={JSON.stringify(c)}>{describeCondition(c, memberName)}</li>
                ))}
              </ul>
            </div>
          ) : null}
          <FormProblem error={submit.error} fields={['body.name', 'body.conditions']} />
          <p className="muted" role="status">
            {!ready
              ? 'Name the segment and add a condition to see who is in it.'
              : submit.busy
                ? 'Saving…'
                : conflict
                  ? 'Not saved.'
                  : 'Saved.'}
          </p>
        </form>
        <Section title="Who is in it">
          {preview ? (
            <>
              <p className="count" aria-live="polite">
                <strong>{fmt.number(preview.count)}</strong> {preview.count === 1 ? 'contact' : 'contacts'}
                {preview.exact ? '' : ' (estimate)'}
              </p>
              {preview.sample.length ? (
                <ul className="sample" aria-label="Preview of the segment">
                  {preview.sample.map((m) => (
                    <li key={m.id}>
                      <Link to={`/contacts/${m.id}`}>
                        {m.firstName} {m.lastName}
                      </Link>{' '}
                      <span className="muted">{m.email}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="empty">Nobody matches these conditions yet.</p>
              )}
            </>
          ) : previewError ? (
            <ProblemMessage error={previewError} />
          ) : (
            <p className="muted">The count appears as you build.</p>
          )}
        </Section>
      </div>
    </Page>
  );
}

export function Templates() {
  const { fmt } = useConsole();
  const [selected, setSelected] = useState<Schemas['Template']>();
  const [contactEmail, setContactEmail] = useState('');
  const [preview, setPreview] = useState<Schemas['RenderedEmail']>();
  const submit = useSubmit();
  const { first, load } = useListPages(templatePage);
  return (
    <Page title="Templates">
      <PagedList<Schemas['Template']>
        label="Templates"
        load={load}
        first={first}
        rowKey={(t) => t.id}
        empty="No templates yet."
        columns={[
          {
            header: 'Template',
            cell: (t) => (
              <button
                type="button"
                className="link"
                onClick={() => {
                  setSelected(t);
                  setPreview(undefined);
                }}
              >
                {t.name}
              </button>
            ),
          },
          { header: 'Subject', cell: (t) => t.subject },
          { header: 'Changed', cell: (t) => fmt.date(t.updatedAt) },
        ]}
      />
      {selected ? (
        <Section title={`Preview of ${selected.name}`}>
          <form
            className="search"
            onSubmit={(e) => {
              e.preventDefault();
              void submit.run(async () => {
                const found = await ok(
                  api.GET('/v1/contacts', { params: { query: { email: contactEmail, limit: 1 } } }),
                );
                const contact = found.items[0];
                if (!contact) throw new Error('No contact has this email.');
                setPreview(
                  await ok(
                    api.POST('/v1/templates/{id}/preview', {
                      params: { path: { id: selected.id } },
                      body: { contactId: contact.id },
                    }),
                  ),
                );
              });
            }}
          >
            <label htmlFor="preview-contact">Fill the merge fields for the contact with email</label>
            <input
              id="preview-contact"
              type="email"
              value={contactEmail}
              onChange={(e) => setContactEmail(e.target.value)}
            />
            <button type="submit" disabled={submit.busy}>
              Preview
            </button>
          </form>
          {submit.error instanceof Error && !('status' in submit.error) ? (
            <p className="field-error">{submit.error.message}</p>
          ) : (
            <ProblemMessage error={submit.error} />
          )}
          {preview ? (
            <div className="preview">
              <p>
                <strong>Subject:</strong> {preview.subject}
              </p>
              <pre>{preview.text}</pre>
            </div>
          ) : null}
        </Section>
      ) : null}
    </Page>
  );
}

function monthStart(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), 1);
}

/**
 * Campaigns on a month calendar, by the day they are scheduled for; a new campaign is created
 * and scheduled from here.
 */
export function CampaignCalendar() {
  const { fmt } = useConsole();
  const [month, setMonth] = useState(() => monthStart(new Date()));
  const [round, setRound] = useState(0);
  const campaigns = useAsync(async () => {
    const all: Campaign[] = [];
    let cursor: string | undefined;
    do {
      const page = await ok(
        api.GET('/v1/campaigns', { params: { query: { limit: 100, ...cursorOf(cursor) } } }),
      );
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && all.length < 1000);
    return all;
  }, [round]);
  const days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
  const lead = (month.getDay() + 6) % 7;
  const dayOf = (c: Campaign) => c.scheduledFor ?? c.startedAt ?? c.completedAt;
  const label = new Intl.DateTimeFormat(fmt.locale, { month: 'long', year: 'numeric' }).format(month);
  const shift = (n: number) => setMonth(new Date(month.getFullYear(), month.getMonth() + n, 1));
  const unscheduled = (campaigns.data ?? []).filter((c) => c.status === 'draft');
  return (
    <Page
      title="Campaigns"
      actions={
        <>
          <button type="button" className="secondary" onClick={() => shift(-1)}>
            Previous month
          </button>
          <button type="button" className="secondary" onClick={() => shift(1)}>
            Next month
          </button>
        </>
      }
    >
      <NewCampaign onCreated={() => setRound((r) => r + 1)} />
      {campaigns.loading && !campaigns.data ? <Loading /> : <ProblemMessage error={campaigns.error} />}
      <h2>{label}</h2>
      <ol className="month" aria-label={`Campaigns in ${label}`}>
        {Array.from({ length: days }, (_, i) => {
          const day = new Date(month.getFullYear(), month.getMonth(), i + 1);
          const todays = (campaigns.data ?? []).filter((c) => {
            const at = dayOf(c);
            return at ? new Date(at).toDateString() === day.toDateString() : false;
          });
          return (
            <li
              key={day.toISOString()}
              className={[i === 0 && lead ? `start-${lead}` : '', todays.length ? 'busy' : ''].join(' ')}
            >
              <span className="date">{i + 1}</span>
              {todays.map((c) => (
                <Link key={c.id} to={`/campaigns/${c.id}`} className={`chip ${c.status}`}>
                  {c.name}
                </Link>
              ))}
            </li>
          );
        })}
      </ol>
      <Section title="Drafts to schedule">
        {unscheduled.length === 0 ? (
          <p className="empty">No drafts.</p>
        ) : (
          <ul>
            {unscheduled.map((c) => (
              <li key={c.id}>
                <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}

interface CampaignDraft {
  name: string;
  segmentId: string;
  topicId: string;
  templateId: string;
}

function NewCampaign(props: { onCreated: () => void }) {
  const { me } = useConsole();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [draft, setDraft, clearDraft] = useDraft<CampaignDraft>(`campaign.new.${me.id}`, {
    name: '',
    segmentId: '',
    topicId: '',
    templateId: '',
  });
  const options = useAsync(
    async () =>
      open
        ? Promise.all([
            ok(api.GET('/v1/segments', { params: { query: { limit: 100 } } })),
            ok(api.GET('/v1/topics')),
            ok(api.GET('/v1/templates', { params: { query: { limit: 100 } } })),
          ])
        : undefined,
    [open],
  );
  const submit = useSubmit();
  if (!open)
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        New campaign
      </button>
    );
  const [segments, topics, templates] = options.data ?? [];
  const set = (patch: Partial<CampaignDraft>) => setDraft({ ...draft, ...patch });
  return (
    <form
      className="form card"
      aria-label="New campaign"
      onSubmit={(e) => {
        e.preventDefault();
        void submit.run(async () => {
          const created = await ok(
            api.POST('/v1/campaigns', {
              body: {
                name: draft.name,
                topicId: draft.topicId,
                templateId: draft.templateId,
                audience: {
                  segments: draft.segmentId ? [draft.segmentId] : [],
                  lists: [],
                  excludeLists: [],
                  excludeSegments: [],
                  contactIds: [],
                },
              },
            }),
          );
          clearDraft();
          props.onCreated();
          navigate(`/campaigns/${created.id}`);
        });
      }}
    >
      {options.loading ? <Loading /> : <ProblemMessage error={options.error} />}
      <Field label="Campaign name" error={submit.field('body.name')}>
        {(c) => <input {...c} value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label="Segment" error={submit.field('body.audience')}>
        {(c) => (
          <select {...c} value={draft.segmentId} onChange={(e) => set({ segmentId: e.target.value })}>
            <option value="">Choose a segment</option>
            {segments?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Topic" error={submit.field('body.topicId')}>
        {(c) => (
          <select {...c} value={draft.topicId} onChange={(e) => set({ topicId: e.target.value })}>
            <option value="">Choose a topic</option>
            {topics?.items.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Template" error={submit.field('body.templateId')}>
        {(c) => (
          <select {...c} value={draft.templateId} onChange={(e) => set({ templateId: e.target.value })}>
            <option value="">Choose a template</option>
            {templates?.items.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormProblem
        error={submit.error}
        fields={['body.name', 'body.audience', 'body.topicId', 'body.templateId']}
      />
      <div className="buttons">
        <button type="submit" className="primary" disabled={submit.busy}>
          Create the campaign
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A campaign: schedule it, and once it runs, its results. */
export function CampaignPage() {
  const { id = '' } = useParams();
  const { fmt, tenant } = useConsole();
  const [round, setRound] = useState(0);
  const campaign = useAsync(
    () => ok(api.GET('/v1/campaigns/{id}', { params: { path: { id } } })),
    [id, round],
  );
  const stats = useAsync(
    () =>
      campaign.data && campaign.data.status !== 'draft' && campaign.data.status !== 'scheduled'
        ? ok(api.GET('/v1/campaigns/{id}/stats', { params: { path: { id } } }))
        : Promise.resolve(undefined),
    [campaign.data],
  );
  const [sendAt, setSendAt] = useState('');
  const submit = useSubmit();
  if (campaign.loading && !campaign.data) return <Loading />;
  if (campaign.error || !campaign.data) return <ProblemMessage error={campaign.error} />;
  const c = campaign.data;
  return (
    <Page title={c.name} actions={<Badge>{c.status}</Badge>}>
      <Section title="Sending">
        <Facts
          items={[
            ['Status', c.status],
            ['Scheduled for', c.scheduledFor ? fmt.dateTime(c.scheduledFor) : undefined],
            ['Started', c.startedAt ? fmt.dateTime(c.startedAt) : undefined],
            ['Completed', c.completedAt ? fmt.dateTime(c.completedAt) : undefined],
          ]}
        />
        {c.status === 'draft' || c.status === 'scheduled' ? (
          <form
            className="form inline"
            aria-label="Schedule the campaign"
            onSubmit={(e) => {
              e.preventDefault();
              void submit.run(async () => {
                await ok(
                  api.POST('/v1/campaigns/{id}/schedule', {
                    params: { path: { id } },
                    body: { sendAt, timeZone: tenant.timeZone },
                  }),
                );
                setRound((r) => r + 1);
              });
            }}
          >
            <Field label={`Send at (${tenant.timeZone})`} error={submit.field('body.sendAt')}>
              {(control) => (
                <input
                  {...control}
                  type="datetime-local"
                  value={sendAt}
                  onChange={(e) => setSendAt(e.target.value)}
                />
              )}
            </Field>
            <FormProblem error={submit.error} fields={['body.sendAt']} />
            <button type="submit" className="primary" disabled={submit.busy}>
              Schedule
            </button>
          </form>
        ) : null}
      </Section>
      <Section title="Results">
        {stats.loading ? (
          <Loading />
        ) : stats.error ? (
          <ProblemMessage error={stats.error} />
        ) : stats.data ? (
          <Facts
            items={Object.entries(stats.data.counts).map(([name, value]) => [
              name.replace(/([A-Z])/g, ' $1').toLowerCase(),
              fmt.number(value as number),
            ])}
          />
        ) : (
          <p className="empty">Results appear once the campaign starts sending.</p>
        )}
      </Section>
    </Page>
  );
}

/** Surveys with their results: response rate, NPS and its trend wave by wave. */
export function Surveys() {
  const { fmt } = useConsole();
  const [selected, setSelected] = useState<string>();
  const { first, load } = useListPages(surveyPage);
  const results = useAsync(
    () =>
      selected
        ? ok(api.GET('/v1/surveys/{id}/results', { params: { path: { id: selected } } }))
        : Promise.resolve(undefined),
    [selected],
  );
  return (
    <Page title="Surveys">
      <PagedList<Schemas['Survey']>
        label="Surveys"
        load={load}
        first={first}
        rowKey={(s) => s.id}
        empty="No surveys yet."
        columns={[
          {
            header: 'Survey',
            cell: (s) => (
              <button type="button" className="link" onClick={() => setSelected(s.id)}>
                {s.title}
              </button>
            ),
          },
          { header: 'Status', cell: (s) => <Badge>{s.status}</Badge> },
        ]}
      />
      {selected ? (
        <Section title="Results">
          {results.loading ? (
            <Loading />
          ) : results.error ? (
            <ProblemMessage error={results.error} />
          ) : results.data ? (
            <>
              <Facts
                items={[
                  ['Invited', fmt.number(results.data.overall.invited)],
                  ['Responses', fmt.number(results.data.overall.responses)],
                  [
                    'Response rate',
                    results.data.overall.responseRate === undefined
                      ? undefined
                      : fmt.percent(results.data.overall.responseRate),
                  ],
                  [
                    'NPS',
                    results.data.overall.nps?.score !== undefined
                      ? fmt.number(results.data.overall.nps.score)
                      : undefined,
                  ],
                ]}
              />
              <h3>NPS by wave</h3>
              {results.data.waves.length === 0 ? (
                <p className="empty">No wave has run yet.</p>
              ) : (
                <table className="table">
                  <caption className="visually-hidden">NPS trend by wave</caption>
                  <thead>
                    <tr>
                      <th scope="col">Quarter</th>
                      <th scope="col">Channel</th>
                      <th scope="col" className="num">
                        Responses
                      </th>
                      <th scope="col" className="num">
                        NPS
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {results.data.waves.map((w) => (
                      <tr key={w.waveId}>
                        <td data-label="Quarter">{w.quarter}</td>
                        <td data-label="Channel">{w.channel}</td>
                        <td data-label="Responses" className="num">
                          {fmt.number(w.scores.responses)}
                        </td>
                        <td data-label="NPS" className="num">
                          {w.scores.nps?.score !== undefined ? fmt.number(w.scores.nps.score) : '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          ) : null}
        </Section>
      ) : null}
    </Page>
  );
}

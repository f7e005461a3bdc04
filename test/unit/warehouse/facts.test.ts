import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { FACT_COLUMNS } from '../../../events/facts.ts';
import { eventCatalog } from '../../../events/index.ts';
import { newId } from '../../../shared/platform/ids.ts';
import { columnsOf, toFact } from '../../../shared/warehouse/facts.ts';
import { rowJson } from '../../../shared/warehouse/ingest.ts';
import { FACT_TABLE_COLUMNS } from '../../../shared/warehouse/schema.ts';

/**
 * The catalog's facts: every event maps onto the warehouse's vocabulary, and nothing personal
 * gets through. Sample payloads are made from each event's own schema, with a marker in every
 * text field, so a field that reached a fact unmapped would show.
 */
const tenantId = newId();
const at = '2025-06-01T10:00:00.000Z';
type Json = {
  type?: string;
  enum?: unknown[];
  items?: Json;
  properties?: Record<string, Json>;
  anyOf?: Json[];
};

function sample(schema: Json, field: string): unknown {
  if (schema.anyOf) return sample(schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0]!, field);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 7;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items ?? { type: 'string' }, field)];
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sample(v, k)]));
    default:
      // Dates where the field is one; elsewhere a marker naming the field.
      return /(At|Date)$|^at$/.test(field) ? at : `MARK-${field}`;
  }
}

const envelope = (type: string, source: string, payload: Record<string, unknown>) => ({
  id: newId(),
  source,
  'detail-type': type,
  time: at,
  detail: { ...payload, eventId: newId(), tenantId, occurredAt: at },
});

const samples = [...eventCatalog.values()].map((definition) => {
  const payload = sample(z.toJSONSchema(definition.payload) as Json, '') as Record<string, unknown>;
  return {
    definition,
    payload,
    fact: toFact(envelope(definition.type, definition.source, payload), new Date()),
  };
});

describe('the facts of the catalog', () => {
  it.each(samples.map((s) => [s.definition.type, s] as const))(
    '%s becomes a fact of the vocabulary',
    (_, s) => {
      expect(s.fact.kind, s.fact.kind === 'rejected' ? s.fact.reason : '').toBe('fact');
      const columns = new Set(FACT_TABLE_COLUMNS.map((c) => c.name));
      for (const column of Object.keys(s.fact.row)) expect(columns).toContain(column);
      expect(s.fact.row).toMatchObject({ event_type: s.definition.type, occurred_at: Date.parse(at) });
      if (s.fact.kind === 'fact') expect(s.fact.tenantId).toBe(tenantId);
    },
  );

  it('keeps no value of a field outside the vocabulary: no names, emails, numbers or free text', () => {
    const personal = /^(email|emails|name|firstName|lastName|phone|comment|reason|message|number|sku|title)$/;
    for (const { definition, payload, fact } of samples) {
      const mapped = new Set(columnsOf(definition).map(([field]) => field));
      for (const field of mapped) expect(field, `${definition.type}.${field}`).not.toMatch(personal);
      // A dunning notice's `to` is the address it went to (elsewhere `to` is a status).
      if (definition.type === 'DunningNoticeSent') expect(mapped).not.toContain('to');
      const text = JSON.stringify(fact.row);
      for (const [field, value] of Object.entries(payload))
        if (!mapped.has(field) && typeof value === 'string' && value.startsWith('MARK-'))
          expect(text, `${definition.type}.${field}`).not.toContain(value);
    }
  });

  it('fills text columns only with ids, closed vocabularies and words of the domain, never free text', () => {
    // Mapped fields typed as plain strings whose values the domain bounds; each reviewed.
    const reviewed: Record<string, string> = {
      'ActivityLogged.activityType': 'ACTIVITY_TYPES',
      'ActivityLogged.outcome': 'a call outcome of the activity vocabulary',
      'PaymentRecorded.method': 'PAYMENT_METHODS',
      'PaymentRecorded.status': 'an invoice status',
      'DealStageChanged.status': 'open, won or lost',
      'RecurringTaskSaved.status': 'active or paused',
      'ReportScheduleSaved.status': 'active or paused',
      'TaskStatusChanged.from': 'a task status',
      'TaskStatusChanged.to': 'a task status',
      'LeadStatusChanged.from': 'a lead status',
      'LeadStatusChanged.to': 'a lead status',
      'ContactRfmSegmentChanged.segment': 'an RFM segment',
      'ContactRfmSegmentChanged.previousSegment': 'an RFM segment',
      'ContactCreated.lifecycleStage': 'LifecycleStage',
      'ContactUpdated.lifecycleStage': 'LifecycleStage',
      'DunningNoticeSent.levelId': 'the id of a dunning level of the policy',
      'CaseSlaBreached.priority': 'a case priority',
      'CaseSlaMet.priority': 'a case priority',
      'CaseSlaWarning.priority': 'a case priority',
      'TaskCreated.sourceType': 'what made the task (a member, a rule, a recurrence...)',
      'MailingStarted.kind': 'campaign, newsletter or survey',
      'MailingPaused.kind': 'campaign, newsletter or survey',
      'MailingResumed.kind': 'campaign, newsletter or survey',
      'MailingCompleted.kind': 'campaign, newsletter or survey',
      'MailingCancelled.kind': 'campaign, newsletter or survey',
      'MemberAdded.team': 'a team name set by admins, the dimension the owner enrichment writes',
      'LeadReceived.region': 'a region, the dimension the customer enrichment writes from addresses',
    };
    const bounded = new Set(['currency', 'due_date', 'due_at', 'fields']);
    const kindOf = (schema: unknown): string => {
      const def = (schema as { _zod: { def: { type: string; innerType?: unknown } } })._zod.def;
      return def.innerType && ['optional', 'default', 'nullable'].includes(def.type)
        ? kindOf(def.innerType)
        : def.type;
    };
    const free: string[] = [];
    for (const definition of eventCatalog.values())
      for (const [field, column] of columnsOf(definition)) {
        const kind = kindOf(definition.payload.shape[field]);
        if (kind !== 'string' || /_ids?$/.test(column) || bounded.has(column)) continue;
        if (definition.facts?.vocabularies?.[field]) continue;
        if (`${definition.type}.${field}` in reviewed) continue;
        free.push(`${definition.type}.${field} → ${column}`);
      }
    expect(free).toEqual([]);
  });

  it('feeds every column only from payload fields of its type, so no valid event is rejected', () => {
    type Def = { type: string; innerType?: unknown; element?: unknown; format?: string; checks?: unknown[] };
    const defOf = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;
    const kindOf = (schema: unknown): string => {
      const def = defOf(schema);
      if (def.innerType && ['optional', 'default', 'nullable'].includes(def.type))
        return kindOf(def.innerType);
      if (def.type === 'array') return `array<${kindOf(def.element)}>`;
      if (def.type === 'number') {
        const formats = [def, ...(def.checks ?? []).map(defOf)].map((d) => d.format);
        return formats.some((f) => f === 'safeint' || f === 'int32') ? 'int' : 'number';
      }
      return ['enum', 'literal'].includes(def.type) ? 'string' : def.type;
    };
    const fits: Record<string, string[]> = {
      string: ['string', 'array<string>'],
      'array<string>': ['array<string>'],
      int: ['int'],
      bigint: ['int'],
      timestamp: ['string'],
      'array<bigint>': ['array<int>'],
    };
    const mismatched: string[] = [];
    for (const definition of eventCatalog.values())
      for (const [field, column] of columnsOf(definition)) {
        const kind = kindOf(definition.payload.shape[field]);
        if (!fits[FACT_COLUMNS[column]]?.includes(kind))
          mismatched.push(`${definition.type}.${field} (${kind}) → ${column} (${FACT_COLUMNS[column]})`);
      }
    expect(mismatched).toEqual([]);
    const churn = toFact(
      envelope('ContactChurnRiskRaised', 'funnel.contacts', {
        contactId: newId(),
        model: 'churn_90',
        score: 0.83,
        threshold: 0.7,
      }),
      new Date(),
    );
    expect(churn.kind, churn.kind === 'rejected' ? churn.reason : '').toBe('fact');
  });

  it('keeps a lead source of its vocabulary, any other as other, and no subscription source', () => {
    const lead = (source: string) =>
      toFact(envelope('LeadReceived', 'funnel.sales', { leadId: newId(), source, score: 10 }), new Date()).row
        .origin;
    expect(lead('Trade-Show')).toBe('trade-show');
    expect(lead('Met Jane Doe, jane@doe.example')).toBe('other');
    const subscription = toFact(
      envelope('SubscriptionChanged', 'funnel.marketing', {
        contactId: newId(),
        status: 'unsubscribed',
        source: 'Phone call with Jane Doe, +33 6 12 34 56 78',
      }),
      new Date(),
    );
    expect(subscription.kind).toBe('fact');
    expect(JSON.stringify(subscription.row)).not.toContain('Jane');
  });

  it('records an erasure without the erased contact', () => {
    const erased = samples.find((s) => s.definition.type === 'ContactErased')!;
    expect(erased.fact.row.contact_id).toBeUndefined();
    expect(JSON.stringify(erased.fact.row)).not.toContain('MARK-contactId');
  });

  it('takes the time a field says it happened, and the first of a list for a single column', () => {
    const activity = toFact(
      envelope('ActivityLogged', 'funnel.contacts', {
        activityId: newId(),
        activityType: 'call',
        contactIds: ['c-first', 'c-second'],
        at: '2025-01-02T03:04:05.000Z',
        outcome: 'voicemail',
      }),
      new Date(),
    );
    expect(activity.row).toMatchObject({
      occurred_at: Date.parse('2025-01-02T03:04:05.000Z'),
      contact_id: 'c-first',
      outcome: 'voicemail',
      activity_type: 'call',
    });
  });

  it('keeps aside, with the reason, an unknown event, a malformed one and a foreign source', () => {
    const unknown = toFact(envelope('Teleported', 'funnel.sales', {}), new Date());
    expect(unknown).toMatchObject({
      kind: 'rejected',
      tenantId,
      reason: expect.stringContaining('unknown event type Teleported'),
    });
    const malformed = toFact(
      envelope('OrderPlaced', 'funnel.sales', { orderId: 'o', total: 'many' }),
      new Date(),
    );
    expect(malformed.kind).toBe('rejected');
    expect(malformed.kind === 'rejected' && malformed.reason).toMatch(/^OrderPlaced: .*total/);
    expect(malformed.row.rejection).toBe(malformed.kind === 'rejected' ? malformed.reason : '');
    const foreign = toFact({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }, new Date());
    expect(foreign).toMatchObject({
      kind: 'rejected',
      reason: 'events from aws.s3 have no place in the warehouse',
    });
    expect(toFact('not an event', new Date()).kind).toBe('rejected');
  });

  it('makes an SES event a mail fact from its tags, never from the addresses it carries', () => {
    const mailingId = newId();
    const fact = toFact(
      {
        id: 'ses-1',
        source: 'aws.ses',
        'detail-type': 'Email Bounced',
        time: at,
        detail: {
          eventType: 'Bounce',
          bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'someone@example.com' }] },
          mail: {
            destination: ['someone@example.com'],
            tags: { tenantId: [tenantId], mailingId: [mailingId], kind: ['campaign'], contactId: ['c1'] },
          },
        },
      },
      new Date(),
    );
    expect(fact).toMatchObject({
      kind: 'fact',
      tenantId,
      row: {
        event_type: 'EmailBounced',
        outcome: 'soft_bounced',
        mailing_id: mailingId,
        mailing_kind: 'campaign',
        contact_id: 'c1',
      },
    });
    expect(JSON.stringify(fact.row)).not.toContain('someone@example.com');
  });

  it('writes rows for Firehose’s JSON SerDe: nulls left out, timestamps in milliseconds', () => {
    expect(rowJson({ event_id: 'e', occurred_at: 1, contact_id: null, fields: ['a'] })).toBe(
      '{"event_id":"e","occurred_at":1,"fields":["a"]}\n',
    );
  });
});

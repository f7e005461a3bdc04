import { createHash } from 'node:crypto';
import { EVENT_SOURCE_PREFIX, type EventDefinition, EventEnvelope } from '../../events/define.ts';
import {
  columnOf,
  type Enrichment,
  FACT_COLUMNS,
  type FactColumn,
  type FactColumnType,
  OTHER,
} from '../../events/facts.ts';
import { eventCatalog } from '../../events/index.ts';
import { isId } from '../platform/ids.ts';
import type { FactRow, FactValue } from './schema.ts';

/**
 * Turns one event, as EventBridge hands it to a target, into one fact row, or into a rejection
 * with the reason. Domain events follow their catalog entry (events/facts.ts): only vocabulary
 * columns are filled, so nothing personal can pass. SES events of the configuration set (on the
 * default bus) become `Email*` facts from the tags the sender put on each email, never from the
 * addresses they carry.
 */
export interface IncomingEvent {
  id?: unknown;
  source?: unknown;
  'detail-type'?: unknown;
  time?: unknown;
  detail?: unknown;
}

export type Mapped =
  | { kind: 'fact'; tenantId: string; row: FactRow; enrich: readonly Enrichment[] }
  | { kind: 'rejected'; tenantId?: string; row: FactRow; reason: string };

class Rejection extends Error {}

export function toFact(event: unknown, ingestedAt: Date): Mapped {
  const incoming = (typeof event === 'object' && event !== null ? event : {}) as IncomingEvent;
  const base: FactRow = {
    event_id: typeof incoming.id === 'string' ? incoming.id : null,
    event_type: typeof incoming['detail-type'] === 'string' ? incoming['detail-type'] : null,
    module: typeof incoming.source === 'string' ? incoming.source : null,
    ingested_at: ingestedAt.getTime(),
  };
  const detail = (
    typeof incoming.detail === 'object' && incoming.detail !== null ? incoming.detail : {}
  ) as Record<string, unknown>;
  const claimedTenant =
    typeof detail.tenantId === 'string' && isId(detail.tenantId) ? detail.tenantId : undefined;
  try {
    if (typeof incoming.source !== 'string' || typeof incoming['detail-type'] !== 'string')
      throw new Rejection('not an EventBridge event: source and detail-type are required');
    if (incoming.source.startsWith(EVENT_SOURCE_PREFIX)) return domainFact(incoming, detail, base);
    if (incoming.source === 'aws.ses') return mailFact(incoming, detail, base);
    throw new Rejection(`events from ${incoming.source} have no place in the warehouse`);
  } catch (error) {
    // Whatever goes wrong with one event is that event's rejection, never the batch's failure
    // (which would send every record of the batch, raw, to Firehose's error output). An
    // unexpected error's message is not kept: it could quote the event.
    const reason =
      error instanceof Rejection
        ? error.message
        : `${String(incoming['detail-type'] ?? 'event')}: could not be mapped (${(error as Error)?.name ?? 'error'})`;
    const tenantId = claimedTenant ?? sesTenant(detail);
    return {
      kind: 'rejected',
      ...(tenantId ? { tenantId } : {}),
      reason,
      row: {
        ...base,
        ...(typeof detail.eventId === 'string' ? { event_id: detail.eventId } : {}),
        occurred_at: ingestedAt.getTime(),
        rejection: reason.slice(0, 1000),
      },
    };
  }
}

function domainFact(incoming: IncomingEvent, detail: Record<string, unknown>, base: FactRow): Mapped {
  const type = incoming['detail-type'] as string;
  const definition = eventCatalog.get(type);
  if (!definition) throw new Rejection(`unknown event type ${type}: it is not in the catalog (events/)`);
  if (definition.source !== incoming.source)
    throw new Rejection(`${type} comes from ${definition.source}, not from ${String(incoming.source)}`);
  const envelope = EventEnvelope.safeParse(detail);
  if (!envelope.success) throw new Rejection(`${type}: ${issuesOf(envelope.error.issues)}`);
  const payload = definition.payload.safeParse(detail);
  if (!payload.success) throw new Rejection(`${type}: ${issuesOf(payload.error.issues)}`);
  const { eventId, tenantId, occurredAt } = envelope.data;
  if (!isId(tenantId)) throw new Rejection(`${type}: tenantId is not an id`);
  const row: FactRow = {
    ...base,
    event_id: eventId,
    module: definition.source.slice(EVENT_SOURCE_PREFIX.length),
  };
  for (const [field, column] of columnsOf(definition)) {
    const value = (payload.data as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    const vocabulary = definition.facts?.vocabularies?.[field];
    row[column] = vocabulary
      ? inVocabulary(value, vocabulary)
      : coerce(value, FACT_COLUMNS[column], `${type}.${field}`);
    // A reference holds an id: anything else (text, or a value too long to be a key) would reach
    // the warehouse as free text, or fail the batch's lookups and send every record of it, raw,
    // to Firehose's error output.
    if (column.endsWith('_id') && typeof row[column] === 'string' && !REFERENCE.test(row[column]))
      throw new Rejection(`${type}.${field}: not an id`);
  }
  const when = definition.facts?.occurredAt;
  const at = when && typeof detail[when] === 'string' ? (detail[when] as string) : occurredAt;
  row.occurred_at = timestamp(at, `${type}.${when ?? 'occurredAt'}`);
  return { kind: 'fact', tenantId, row, enrich: definition.facts?.enrich ?? [] };
}

/** Which payload field feeds which column: declared ones, then the fields named like a column. */
export function columnsOf(definition: EventDefinition): Array<[string, FactColumn]> {
  const declared = definition.facts?.columns ?? {};
  const omitted = new Set([...(definition.facts?.omit ?? []), ...Object.keys(declared)]);
  const pairs: Array<[string, FactColumn]> = Object.entries(declared);
  const taken = new Set<string>(Object.values(declared));
  for (const field of Object.keys(definition.payload.shape)) {
    const column = columnOf(field);
    if (omitted.has(field) || taken.has(column) || !(column in FACT_COLUMNS)) continue;
    pairs.push([field, column as FactColumn]);
    taken.add(column);
  }
  return pairs;
}

function coerce(value: unknown, type: FactColumnType, where: string): FactValue {
  switch (type) {
    case 'string': {
      // A list feeding a single column (an activity's contacts) keeps its first entry.
      const single = Array.isArray(value) ? value[0] : value;
      if (single === undefined) return null;
      if (typeof single !== 'string') throw new Rejection(`${where}: expected text, got ${typeof single}`);
      return single;
    }
    case 'int':
    case 'bigint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw new Rejection(`${where}: expected a whole number`);
      return value;
    case 'timestamp':
      if (typeof value !== 'string') throw new Rejection(`${where}: expected a date-time`);
      return timestamp(value, where);
    case 'array<string>':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw new Rejection(`${where}: expected a list of text`);
      return value as string[];
    case 'array<bigint>':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isSafeInteger(v)))
        throw new Rejection(`${where}: expected a list of whole numbers`);
      return value as number[];
  }
}

/** What ids look like here: ULIDs, and the slugs some records take as ids (topics, stages). */
const REFERENCE = /^[A-Za-z0-9_.:-]{1,128}$/;

function inVocabulary(value: unknown, words: readonly string[]): string {
  const word = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return words.includes(word) ? word : OTHER;
}

function timestamp(value: string, where: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new Rejection(`${where}: ${JSON.stringify(value.slice(0, 40))} is not a date-time`);
  return ms;
}

function issuesOf(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(detail)'}: ${i.message}`)
    .join('; ');
}

// SES events: one per email and milestone, found by the tags the sender set (shared/mail).

const MAIL_EVENTS: Record<string, { type: string; outcome: string }> = {
  Send: { type: 'EmailSent', outcome: 'sent' },
  Delivery: { type: 'EmailDelivered', outcome: 'delivered' },
  Bounce: { type: 'EmailBounced', outcome: 'bounced' },
  Complaint: { type: 'EmailComplained', outcome: 'complained' },
  Reject: { type: 'EmailRejected', outcome: 'rejected' },
  Open: { type: 'EmailOpened', outcome: 'opened' },
  Click: { type: 'EmailClicked', outcome: 'clicked' },
  DeliveryDelay: { type: 'EmailDelayed', outcome: 'delayed' },
  RenderingFailure: { type: 'EmailRenderingFailed', outcome: 'failed' },
};

function tag(detail: Record<string, unknown>, name: string): string | undefined {
  const tags = (detail.mail as { tags?: Record<string, unknown> } | undefined)?.tags;
  const value = tags?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' && first !== '_' ? first : undefined;
}

/** The object of an SES event that says what happened (`open` of an Open event...). */
const MILESTONE_FIELD: Record<string, string> = {
  Send: 'send',
  Delivery: 'delivery',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Reject: 'reject',
  Open: 'open',
  Click: 'click',
  DeliveryDelay: 'deliveryDelay',
  RenderingFailure: 'failure',
};

/**
 * SES publishes each event at least once, and EventBridge gives a redelivery a new envelope id:
 * the fact's id is made from what the event is instead, the message and the milestone (once per
 * message), plus the moment and the link for those a message can have many of (opens, clicks,
 * delays). Queries count each id once (`facts()`), so a redelivered event counts once.
 */
function mailEventId(eventType: string, detail: Record<string, unknown>): string | undefined {
  const messageId = (detail.mail as { messageId?: unknown } | undefined)?.messageId;
  if (typeof messageId !== 'string' || messageId === '') return undefined;
  const milestone = (detail[MILESTONE_FIELD[eventType] ?? ''] ?? {}) as {
    timestamp?: unknown;
    link?: unknown;
  };
  const repeats = eventType === 'Open' || eventType === 'Click' || eventType === 'DeliveryDelay';
  const key = [
    messageId,
    eventType,
    ...(repeats ? [String(milestone.timestamp ?? ''), String(milestone.link ?? '')] : []),
  ];
  return `ses-${createHash('sha256').update(key.join('|')).digest('hex').slice(0, 32)}`;
}

function sesTenant(detail: Record<string, unknown>): string | undefined {
  const tenantId = tag(detail, 'tenantId');
  return tenantId && isId(tenantId) ? tenantId : undefined;
}

function mailFact(incoming: IncomingEvent, detail: Record<string, unknown>, base: FactRow): Mapped {
  const eventType = typeof detail.eventType === 'string' ? detail.eventType : String(incoming['detail-type']);
  const known = MAIL_EVENTS[eventType];
  if (!known) throw new Rejection(`SES event ${eventType} is not one the warehouse keeps`);
  const tenantId = sesTenant(detail);
  if (!tenantId) throw new Rejection(`SES ${eventType} event without a tenantId tag`);
  const eventId = mailEventId(eventType, detail) ?? incoming.id;
  if (typeof eventId !== 'string') throw new Rejection(`SES ${eventType} event without an id`);
  const bounceType = (detail.bounce as { bounceType?: unknown } | undefined)?.bounceType;
  const outcome = eventType === 'Bounce' && bounceType !== 'Permanent' ? 'soft_bounced' : known.outcome;
  const row: FactRow = {
    ...base,
    event_id: eventId,
    event_type: known.type,
    module: 'mail',
    occurred_at: timestamp(typeof incoming.time === 'string' ? incoming.time : '', `SES ${eventType}.time`),
    outcome,
  };
  const columns: Array<[string, FactColumn]> = [
    ['mailingId', 'mailing_id'],
    ['kind', 'mailing_kind'],
    ['contactId', 'contact_id'],
    ['category', 'origin'],
  ];
  for (const [name, column] of columns) {
    const value = tag(detail, name);
    if (value !== undefined) row[column] = value;
  }
  return { kind: 'fact', tenantId, row, enrich: [] };
}

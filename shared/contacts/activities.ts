import { ActivityLogged } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { absentIfNotFound, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { Activity, ActivityCreate, ActivityUpdate } from './activity-schema.ts';
import { activityKeys, contactKeys } from './keys.ts';
import { getCompany } from './records.ts';
import type { TimelineEntry } from './schema.ts';
import { getContacts } from './service.ts';
import { writeTimelineEntryInto } from './timeline.ts';

/**
 * Activities: calls, meetings, notes and logged emails, each about contacts and/or a company.
 * An activity is its own item; each linked contact gets a timeline entry pointing at it, written
 * in the same transaction (and rewritten when the activity moves in time). Meetings and calls
 * planned ahead (outcome `scheduled`) are indexed by month for the calendar.
 */
type Stored = Activity & { timelineKeys?: Array<{ contactId: string; sk: string }> };

const toActivity = (item: Record<string, unknown>) => {
  const { timelineKeys: _t, ...activity } = withoutKeys<Stored>(item);
  return activity as Activity;
};

function timeOf(
  activity: Pick<Activity, 'type' | 'call' | 'meeting' | 'note' | 'email'>,
  now: string,
): string {
  switch (activity.type) {
    case 'call':
      return activity.call!.at;
    case 'meeting':
      return activity.meeting!.start;
    case 'email':
      return activity.email!.at;
    case 'note':
      return activity.note?.at ?? now;
  }
}

export function activityTitle(activity: Activity): string {
  switch (activity.type) {
    case 'call': {
      const call = activity.call!;
      const what = `${call.direction === 'inbound' ? 'Inbound' : 'Outbound'} call`;
      return call.purpose ? `${what}: ${call.purpose}` : what;
    }
    case 'meeting':
      return activity.meeting!.title;
    case 'note': {
      const body = activity.note!.body.replace(/\s+/g, ' ');
      return body.length > 80 ? `${body.slice(0, 79)}…` : body;
    }
    case 'email':
      return activity.email!.subject || '(no subject)';
  }
}

/** Meetings, and calls planned ahead, appear in the calendar; logged calls and notes do not. */
export function onCalendar(activity: Activity): boolean {
  return activity.type === 'meeting' || (activity.type === 'call' && activity.call?.outcome === 'scheduled');
}

export function endOf(activity: Activity): string | undefined {
  if (activity.type === 'meeting') return new Date(activity.meeting!.end).toISOString();
  if (activity.type === 'call' && activity.call?.durationSeconds)
    return new Date(Date.parse(activity.call.at) + activity.call.durationSeconds * 1000).toISOString();
  return undefined;
}

function indexAttributes(ctx: TenantContext, activity: Activity): Record<string, string | undefined> {
  const t = ctx.tenantId;
  const calendar = onCalendar(activity);
  const month = new Date(activity.at).toISOString().slice(0, 7);
  const sort = `${new Date(activity.at).toISOString()}#${activity.id}`;
  return {
    GSI1PK: activity.companyId ? activityKeys.byCompany(t, activity.companyId) : undefined,
    GSI1SK: activity.companyId ? sort : undefined,
    GSI2PK: calendar ? activityKeys.calendarMonth(t, month) : undefined,
    GSI2SK: calendar ? sort : undefined,
    GSI3PK:
      calendar && activity.ownerId ? activityKeys.ownerCalendarMonth(t, activity.ownerId, month) : undefined,
    GSI3SK: calendar && activity.ownerId ? sort : undefined,
    GSI4PK: activityKeys.all(t),
    GSI4SK: sort,
  };
}

/** Members other than the owner attending a meeting on the calendar: each sees it in their calendar. */
function attendeesOf(activity: Activity): string[] {
  if (!onCalendar(activity) || !activity.meeting) return [];
  return [...new Set(activity.meeting.attendeeMemberIds)].filter((m) => m !== activity.ownerId);
}

function putAttendees(uow: UnitOfWork, ctx: TenantContext, activity: Activity): void {
  const month = new Date(activity.at).toISOString().slice(0, 7);
  for (const memberId of attendeesOf(activity))
    uow.put({
      PK: activityKeys.activity(ctx.tenantId, activity.id).PK,
      SK: `ATTENDEE#${memberId}`,
      entity: 'ActivityAttendee',
      activityId: activity.id,
      GSI3PK: activityKeys.ownerCalendarMonth(ctx.tenantId, memberId, month),
      GSI3SK: `${new Date(activity.at).toISOString()}#${activity.id}`,
    });
}

/**
 * Deletes the attendee items of `activity`, except those of members still attending `kept` (which
 * putAttendees overwrites): a transaction may not touch one item twice.
 */
function deleteAttendees(uow: UnitOfWork, ctx: TenantContext, activity: Activity, kept?: Activity): void {
  const staying = new Set(kept ? attendeesOf(kept) : []);
  for (const memberId of attendeesOf(activity))
    if (!staying.has(memberId))
      uow.delete({ PK: activityKeys.activity(ctx.tenantId, activity.id).PK, SK: `ATTENDEE#${memberId}` });
}

const defined = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

/**
 * Sets the activity's moment (`at`) and a meeting's start and end as UTC instants: the API takes
 * any offset, and the calendar compares and sorts these as text.
 */
function fixTimes(activity: Activity, now: string): void {
  activity.at = new Date(timeOf(activity, now)).toISOString();
  if (activity.meeting)
    activity.meeting = {
      ...activity.meeting,
      start: activity.at,
      end: new Date(activity.meeting.end).toISOString(),
    };
}

function checkDetails(activity: Activity, path = 'body'): void {
  if (activity.contactIds.length === 0 && !activity.companyId)
    throw ValidationError.field(
      `${path}.contactIds`,
      'Link the activity to at least one contact or a company.',
    );
  if (activity.meeting && Date.parse(activity.meeting.end) <= Date.parse(activity.meeting.start))
    throw ValidationError.field(`${path}.meeting.end`, 'A meeting must end after it starts.');
}

async function checkLinks(ctx: TenantContext, activity: Activity): Promise<void> {
  const found = await getContacts(ctx, activity.contactIds);
  const missing = activity.contactIds.findIndex((id) => !found.has(id));
  if (missing >= 0)
    throw ValidationError.field(
      `body.contactIds.${missing}`,
      `Contact ${activity.contactIds[missing]} does not exist.`,
    );
  if (activity.companyId && !(await getCompany(ctx, activity.companyId).catch(absentIfNotFound)))
    throw ValidationError.field('body.companyId', `Company ${activity.companyId} does not exist.`);
}

function addTimelineEntries(uow: UnitOfWork, ctx: TenantContext, activity: Activity) {
  return activity.contactIds.map((contactId) => {
    const entry: TimelineEntry = writeTimelineEntryInto(uow, ctx, contactId, {
      kind: activity.type,
      title: activityTitle(activity),
      at: activity.at,
      ref: { type: 'activity', id: activity.id },
    });
    return { contactId, sk: contactKeys.timelineEntry(ctx.tenantId, contactId, entry.at, entry.id).SK };
  });
}

export async function createActivity(ctx: TenantContext, input: ActivityCreate): Promise<Activity> {
  const now = ctx.clock.now().toISOString();
  const ownerId = input.ownerId ?? (ctx.actor.type === 'member' ? ctx.actor.memberId : undefined);
  const activity = {
    ...input,
    id: newId(),
    contactIds: [...new Set(input.contactIds)],
    ...(ownerId ? { ownerId } : {}),
    at: '',
    createdAt: now,
    updatedAt: now,
    version: 1,
  } as Activity;
  fixTimes(activity, now);
  checkDetails(activity);
  await checkLinks(ctx, activity);
  const uow = unitOfWork(ctx);
  const timelineKeys = addTimelineEntries(uow, ctx, activity);
  uow.put(
    {
      ...activityKeys.activity(ctx.tenantId, activity.id),
      entity: 'Activity',
      ...activity,
      timelineKeys,
      ...defined(indexAttributes(ctx, activity)),
    },
    { condition: notExists },
  );
  putAttendees(uow, ctx, activity);
  uow.publish(ActivityLogged, {
    activityId: activity.id,
    activityType: activity.type,
    contactIds: activity.contactIds,
    at: activity.at,
    ...(activity.companyId ? { companyId: activity.companyId } : {}),
    ...(activity.ownerId ? { ownerId: activity.ownerId } : {}),
    ...(activity.call?.outcome ? { outcome: activity.call.outcome } : {}),
  });
  await uow.commit();
  return activity;
}

async function getStored(ctx: TenantContext, id: string): Promise<Stored> {
  const item = await getItem(ctx, activityKeys.activity(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Activity', id);
  return { ...toActivity(item), timelineKeys: (item.timelineKeys as Stored['timelineKeys']) ?? [] };
}

export async function getActivity(ctx: TenantContext, id: string): Promise<Activity> {
  const item = await getItem(ctx, activityKeys.activity(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Activity', id);
  return toActivity(item);
}

export async function getActivities(ctx: TenantContext, ids: string[]): Promise<Activity[]> {
  const items = await getItems(
    ctx,
    [...new Set(ids)].map((id) => activityKeys.activity(ctx.tenantId, id)),
  );
  return items.map(toActivity);
}

/** Changes the owner or the details of the activity's own type; its timeline entries follow. */
export async function updateActivity(
  ctx: TenantContext,
  id: string,
  input: ActivityUpdate,
  ifMatch?: number | 'any',
): Promise<Activity> {
  const current = await getStored(ctx, id);
  assertIfMatch(ifMatch, current);
  const { timelineKeys: oldKeys = [], ...before } = current;
  const next: Activity = { ...before };
  for (const part of ['call', 'meeting', 'note', 'email'] as const) {
    if (input[part] === undefined) continue;
    if (part !== current.type)
      throw ValidationError.field(
        `body.${part}`,
        `This activity's type is ${current.type}: change its ${current.type} details.`,
      );
    (next as Record<string, unknown>)[part] = input[part];
  }
  if (input.ownerId === null) delete next.ownerId;
  else if (input.ownerId) next.ownerId = input.ownerId;
  const now = ctx.clock.now().toISOString();
  fixTimes(next, current.createdAt);
  next.updatedAt = now;
  next.version = current.version + 1;
  checkDetails(next);
  const uow = unitOfWork(ctx);
  for (const { contactId, sk } of oldKeys)
    uow.delete({ PK: contactKeys.partition(ctx.tenantId, contactId), SK: sk });
  const timelineKeys = addTimelineEntries(uow, ctx, next);
  deleteAttendees(uow, ctx, before, next);
  putAttendees(uow, ctx, next);
  const indexes = indexAttributes(ctx, next);
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  uow.update(activityKeys.activity(ctx.tenantId, id), {
    set: { ...set, ownerId: next.ownerId, timelineKeys, ...defined(indexes) },
    remove: Object.keys(indexes).filter((k) => indexes[k] === undefined),
    ...whileVersion(current.version),
  });
  await uow.commit();
  return next;
}

export async function deleteActivity(ctx: TenantContext, id: string): Promise<void> {
  const current = await getStored(ctx, id);
  const uow = unitOfWork(ctx).delete(activityKeys.activity(ctx.tenantId, id), {
    condition: exists,
    onConditionFailed: () => new NotFoundError('Activity', id),
  });
  deleteAttendees(uow, ctx, current);
  for (const { contactId, sk } of current.timelineKeys ?? [])
    uow.delete({ PK: contactKeys.partition(ctx.tenantId, contactId), SK: sk });
  await uow.commit();
}

/** A company's activities, newest first. */
export async function listCompanyActivities(
  ctx: TenantContext,
  companyId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Activity>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: activityKeys.byCompany(ctx.tenantId, companyId), ascending: false },
    page,
    toActivity,
  );
}

/** A contact's activities, newest first: its timeline entries that point at activities. */
export async function listContactActivities(
  ctx: TenantContext,
  contactId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Activity>> {
  const entries = await queryPage(
    ctx,
    {
      partition: contactKeys.partition(ctx.tenantId, contactId),
      sort: { beginsWith: 'TL#' },
      ascending: false,
      filter: (e) => `${e.name('ref.type')} = ${e.value('activity')}`,
      filterFingerprint: 'activities',
    },
    page,
    (item) => String((item.ref as { id: string }).id),
  );
  const found = new Map((await getActivities(ctx, entries.items)).map((a) => [a.id, a]));
  return {
    ...entries,
    items: entries.items.map((id) => found.get(id)).filter((a): a is Activity => a !== undefined),
  };
}

/** Meetings and scheduled calls starting in [from, to), everyone's or one member's, by month partition. */
export async function calendarActivities(
  ctx: TenantContext,
  from: string,
  to: string,
  ownerId: string | undefined,
  max: number,
): Promise<Activity[]> {
  const found: Activity[] = [];
  for (const month of monthsBetween(from, to)) {
    let cursor: string | undefined;
    do {
      const page = await queryPage(
        ctx,
        {
          index: ownerId ? 'GSI3' : 'GSI2',
          partition: ownerId
            ? activityKeys.ownerCalendarMonth(ctx.tenantId, ownerId, month)
            : activityKeys.calendarMonth(ctx.tenantId, month),
          sort: { between: [from, `${to}`] },
        },
        { limit: 100, ...(cursor ? { cursor } : {}) },
        (item) => item,
      );
      // A member's calendar partition also holds the meetings they attend: one item naming each.
      const attended = page.items
        .filter((i) => i.entity === 'ActivityAttendee')
        .map((i) => String(i.activityId));
      const activities = [
        ...page.items.filter((i) => i.entity === 'Activity').map(toActivity),
        ...(attended.length ? await getActivities(ctx, attended) : []),
      ];
      found.push(...activities.filter((a) => a.at < to));
      cursor = page.nextCursor;
    } while (cursor && found.length < max);
    if (found.length >= max) break;
  }
  return found.slice(0, max);
}

export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  const cursor = new Date(`${from.slice(0, 7)}-01T00:00:00Z`);
  const last = to.slice(0, 7);
  while (cursor.toISOString().slice(0, 7) <= last) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

import type { TenantContext } from '../platform/context.ts';
import { getItem, getItems, queryAll, unitOfWork } from '../platform/db/repository.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { publicUrl } from '../platform/links.ts';
import type { Task, TaskStatus } from '../tasks/schema.ts';
import { tasksDueBetween } from '../tasks/service.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { openTenantLink, signTenantLink } from '../tenancy/link-keys.ts';
import { getTenant } from '../tenancy/records.ts';
import { activityTitle, calendarActivities, endOf } from './activities.ts';
import type { CalendarItem } from './activity-schema.ts';
import { calendarFeedKeys, contactKeys } from './keys.ts';
import { reachableAt } from './reachable.ts';
import { contactFromItem } from './service.ts';

/** A window is at most this long, so one request reads a bounded number of months. */
const MAX_WINDOW_DAYS = 92;
/** At most this many items per window; the answer says when it was cut. */
const MAX_ITEMS = 1000;
/** Meetings are indexed by start: look this far back for ones still running when the window opens. */
const LOOKBACK_MS = 86_400_000;
const DUE_STATUSES: TaskStatus[] = ['open', 'in_progress'];

export interface CalendarWindow {
  from: string;
  to: string;
  /** One member's calendar; everyone's when absent. */
  ownerId?: string;
  /** Only calls whose contact is within their best time to call at this moment. */
  reachableNow?: boolean;
}

/**
 * Meetings, scheduled calls and due tasks in a window, soonest first. Activities come from the
 * month partitions of the calendar indexes; tasks from the tasks core (`tasksDueBetween`), per
 * assignee: for everyone's calendar that is each member (a small set) plus unassigned tasks.
 */
export async function calendar(
  ctx: TenantContext,
  window: CalendarWindow,
): Promise<{ items: CalendarItem[]; truncated: boolean }> {
  const from = new Date(window.from).toISOString();
  const to = new Date(window.to).toISOString();
  if (to <= from) throw ValidationError.field('query.to', '`to` must be after `from`.');
  if (Date.parse(to) - Date.parse(from) > MAX_WINDOW_DAYS * 86_400_000)
    throw ValidationError.field('query.to', `A calendar window is at most ${MAX_WINDOW_DAYS} days.`);
  const lookback = new Date(Date.parse(from) - LOOKBACK_MS).toISOString();
  const activities = (await calendarActivities(ctx, lookback, to, window.ownerId, MAX_ITEMS + 1)).filter(
    (a) => a.at >= from || (endOf(a) ?? a.at) > from,
  );
  const items: CalendarItem[] = activities.map((a) => ({
    kind: a.type === 'meeting' ? 'meeting' : 'call',
    id: a.id,
    title: activityTitle(a),
    start: a.at,
    ...(endOf(a) ? { end: endOf(a) } : {}),
    ...(a.ownerId ? { ownerId: a.ownerId } : {}),
    ...(a.meeting?.location ? { location: a.meeting.location } : {}),
    contactIds: a.contactIds,
  }));
  await describeCallContacts(ctx, items);
  if (window.reachableNow) {
    const reachable = items.filter((i) => i.contact?.reachableNow);
    return { items: reachable.slice(0, MAX_ITEMS), truncated: activities.length > MAX_ITEMS };
  }
  const assignees = window.ownerId ? [window.ownerId] : [...(await memberIds(ctx)), undefined];
  const tasksOf = await Promise.all(assignees.map((assignee) => dueTasks(ctx, assignee, from, to)));
  for (const tasks of tasksOf) {
    for (const task of tasks) {
      items.push({
        kind: 'task',
        id: task.id,
        title: task.title,
        start: task.dueAt!,
        ...(task.assigneeId ? { ownerId: task.assigneeId } : {}),
        contactIds: task.links.filter((l) => l.type === 'contact').map((l) => l.id),
      });
    }
  }
  items.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  return { items: items.slice(0, MAX_ITEMS), truncated: items.length > MAX_ITEMS };
}

/**
 * Gives each call the name and first phone of its contact (one BatchGet for the window), and
 * whether that contact is within their best time to call now, so a caller works down the list
 * without opening each contact.
 */
async function describeCallContacts(ctx: TenantContext, items: CalendarItem[]): Promise<void> {
  const calls = items.filter((i) => i.kind === 'call' && i.contactIds.length);
  const ids = [...new Set(calls.map((c) => c.contactIds[0]!))];
  if (!ids.length) return;
  const found = await getItems(
    ctx,
    ids.map((id) => contactKeys.contact(ctx.tenantId, id)),
  );
  const contacts = new Map(found.map((item) => contactFromItem(item)).map((c) => [c.id, c]));
  const now = ctx.clock.now();
  for (const call of calls) {
    const contact = contacts.get(call.contactIds[0]!);
    if (!contact) continue;
    call.contact = {
      id: contact.id,
      name: `${contact.firstName} ${contact.lastName}`.trim(),
      ...(contact.phones[0] ? { phone: contact.phones[0].number } : {}),
      ...(contact.bestTimeToCall ? { bestTimeToCall: contact.bestTimeToCall } : {}),
      reachableNow: reachableAt(contact.bestTimeToCall, now),
    };
  }
}

async function memberIds(ctx: TenantContext): Promise<string[]> {
  const members = await queryAll(ctx, {
    partition: tenancyKeys.members(ctx.tenantId),
    sort: { beginsWith: 'MEMBER#' },
  });
  return members.filter((m) => m.status === 'active').map((m) => String(m.id));
}

async function dueTasks(ctx: TenantContext, assignee: string | undefined, from: string, to: string) {
  const tasks: Task[] = [];
  for (const status of DUE_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await tasksDueBetween(ctx, assignee, status, from, to, {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      tasks.push(...page.items.filter((t) => t.dueAt && t.dueAt < to));
      cursor = page.nextCursor;
    } while (cursor && tasks.length <= MAX_ITEMS);
  }
  return tasks;
}

// The private iCalendar feed

export interface FeedInfo {
  memberId: string;
  url: string;
  createdAt: string;
}

async function feedUrl(ctx: TenantContext, memberId: string, feedId: string): Promise<string> {
  const token = await signTenantLink(await getTenant(ctx), 'calendar', { s: memberId, x: { f: feedId } });
  return publicUrl(`/v1/calendar-feeds/${token}.ics`);
}

/**
 * Gives the member a new feed address; the previous one (if any) stops working at once. The
 * address is a signed token without expiry naming a feed id; the feed item holds the current id,
 * so revoking or replacing it is one write and needs no token list.
 */
export async function issueCalendarFeed(ctx: TenantContext, memberId: string): Promise<FeedInfo> {
  const feedId = newId();
  const createdAt = ctx.clock.now().toISOString();
  await unitOfWork(ctx)
    .put({
      ...calendarFeedKeys.feed(ctx.tenantId, memberId),
      entity: 'CalendarFeed',
      memberId,
      feedId,
      createdAt,
    })
    .commit();
  return { memberId, url: await feedUrl(ctx, memberId, feedId), createdAt };
}

export async function getCalendarFeed(ctx: TenantContext, memberId: string): Promise<FeedInfo> {
  const item = await getItem(ctx, calendarFeedKeys.feed(ctx.tenantId, memberId));
  if (!item) throw new NotFoundError('Calendar feed');
  return {
    memberId,
    url: await feedUrl(ctx, memberId, String(item.feedId)),
    createdAt: String(item.createdAt),
  };
}

export async function revokeCalendarFeed(ctx: TenantContext, memberId: string): Promise<void> {
  const item = await getItem(ctx, calendarFeedKeys.feed(ctx.tenantId, memberId));
  if (!item) throw new NotFoundError('Calendar feed');
  await unitOfWork(ctx).delete(calendarFeedKeys.feed(ctx.tenantId, memberId)).commit();
}

/** The tenant and member a feed token is for, if it is genuine and still the member's current feed. */
export async function resolveFeedToken(
  token: string,
  contextFor: (tenantId: string) => TenantContext,
): Promise<{ ctx: TenantContext; memberId: string } | undefined> {
  const link = await openTenantLink('calendar', token.replace(/\.ics$/, ''), contextFor, new Date());
  if (!link.ok || !link.claims.x?.f) return undefined;
  const { ctx, claims } = link;
  const item = await getItem(ctx, calendarFeedKeys.feed(ctx.tenantId, claims.s), { consistent: true });
  return item?.feedId === claims.x?.f ? { ctx, memberId: claims.s } : undefined;
}

/** What a feed shows: a month back and two months ahead (calendar apps poll it every few hours). */
export function feedWindow(now: Date): { from: string; to: string } {
  return {
    from: new Date(now.getTime() - 30 * 86_400_000).toISOString(),
    to: new Date(now.getTime() + 60 * 86_400_000).toISOString(),
  };
}

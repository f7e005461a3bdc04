import type { TenantContext } from '../platform/context.ts';
import { getItems, queryPage } from '../platform/db/repository.ts';
import { listKeys, segmentKeys, topicKeys } from './keys.ts';
import { type AudiencePosition, START } from './mailing-types.ts';
import {
  type ContactData,
  contactData,
  type EligibilityRules,
  type Ineligibility,
  ineligibility,
  suppressedEmails,
} from './recipients.ts';
import type { Audience, Segment } from './schema.ts';
import {
  type Candidate,
  type Driver,
  driverOf,
  driverPage,
  inSegment,
  type RuleLifts,
  ruleLiftsFor,
  sortKeysFor,
} from './segments.ts';

/**
 * An audience read page by page: each list's members, then each segment's contacts, then the
 * explicit contacts, minus the exclusions. A position says where the next page starts, so a
 * planner can stop after any page and continue in another invocation. A contact in two sources
 * comes up twice; the mailing's send record (one per contact) makes that harmless.
 */
type Source =
  | { type: 'list'; listId: string }
  | { type: 'segment'; segment: Segment; driver: Driver }
  | { type: 'contacts'; contactIds: string[] };

export interface AudiencePlan {
  sources: Source[];
  excludeLists: string[];
  excludeSegments: Segment[];
  /** Sort keys of the contact's partition every page reads (conditions, exclusions, topic). */
  sortKeys: string[];
  /** The lifts of the bought-together rules the segments' cross-sell conditions name. */
  lifts: RuleLifts;
}

export { type AudiencePosition, START };

/**
 * Loads the segments and lays out the sources. Lists and segments deleted since the audience was
 * saved are left out (the mailing goes to what remains), and logged.
 */
export async function planAudience(
  ctx: TenantContext,
  audience: Audience,
  topicId?: string,
): Promise<AudiencePlan> {
  const t = ctx.tenantId;
  const segmentIds = [...new Set([...audience.segments, ...audience.excludeSegments])];
  const segments = new Map(
    (
      await getItems(
        ctx,
        segmentIds.map((id) => segmentKeys.segment(t, id)),
      )
    ).map((item) => [String(item.id), item as unknown as Segment]),
  );
  const lists = new Set(
    (
      await getItems(
        ctx,
        [...audience.lists, ...audience.excludeLists].map((id) => listKeys.list(t, id)),
      )
    ).map((item) => String(item.id)),
  );
  const missing = [...audience.lists, ...audience.excludeLists].filter((id) => !lists.has(id));
  const missingSegments = segmentIds.filter((id) => !segments.has(id));
  if (missing.length || missingSegments.length)
    ctx.logger.warn('audience references were deleted', { lists: missing, segments: missingSegments });
  const sources: Source[] = [
    ...audience.lists.filter((id) => lists.has(id)).map((listId) => ({ type: 'list' as const, listId })),
    ...audience.segments
      .map((id) => segments.get(id))
      .filter((s): s is Segment => s !== undefined)
      .map((segment) => ({ type: 'segment' as const, segment, driver: driverOf(ctx, segment.conditions) })),
    ...(audience.contactIds.length ? [{ type: 'contacts' as const, contactIds: audience.contactIds }] : []),
  ];
  const excludeSegments = audience.excludeSegments
    .map((id) => segments.get(id))
    .filter((s): s is Segment => s !== undefined);
  const excludeLists = audience.excludeLists.filter((id) => lists.has(id));
  const sortKeys = new Set<string>([
    ...excludeLists.map((id) => listKeys.memberSk(id)),
    ...[...segments.values()].flatMap((s) => sortKeysFor(s.conditions)),
    ...(topicId ? [topicKeys.choiceSk(topicId)] : []),
  ]);
  const lifts = await ruleLiftsFor(
    ctx,
    [...segments.values()].flatMap((s) => s.conditions),
  );
  return { sources, excludeLists, excludeSegments, sortKeys: [...sortKeys], lifts };
}

async function sourcePage(
  ctx: TenantContext,
  source: Source,
  position: AudiencePosition,
  limit: number,
): Promise<{ candidates: Candidate[]; next?: { part: number; cursor?: string } }> {
  switch (source.type) {
    case 'list': {
      const page = await queryPage(
        ctx,
        { index: 'GSI1', partition: listKeys.members(ctx.tenantId, source.listId) },
        { limit, cursor: position.cursor },
        (item) => ({ contactId: String(item.contactId) }),
      );
      return {
        candidates: page.items,
        ...(page.nextCursor ? { next: { part: 0, cursor: page.nextCursor } } : {}),
      };
    }
    case 'segment':
      return driverPage(ctx, source.driver, position, limit);
    case 'contacts': {
      const offset = Number(position.cursor ?? 0);
      const end = offset + limit;
      return {
        candidates: source.contactIds.slice(offset, end).map((contactId) => ({ contactId })),
        ...(end < source.contactIds.length ? { next: { part: 0, cursor: String(end) } } : {}),
      };
    }
  }
}

/**
 * One page of the audience from `position`: the contacts of one page of one source that belong
 * to it (segment conditions) and are not excluded, with the items `plan.sortKeys` names.
 */
export async function audiencePage(
  ctx: TenantContext,
  plan: AudiencePlan,
  position: AudiencePosition,
  limit: number,
): Promise<{ members: ContactData[]; examined: number; next?: AudiencePosition }> {
  const source = plan.sources[position.source];
  if (!source) return { members: [], examined: 0 };
  const page = await sourcePage(ctx, source, position, limit);
  const next: AudiencePosition | undefined = page.next
    ? { source: position.source, ...page.next }
    : position.source + 1 < plan.sources.length
      ? { source: position.source + 1, part: 0 }
      : undefined;
  const known = new Map(
    page.candidates.filter((c) => c.contactItem).map((c) => [c.contactId, c.contactItem!]),
  );
  const data = await contactData(
    ctx,
    page.candidates.map((c) => c.contactId),
    plan.sortKeys,
    known,
  );
  const members = [...data.values()].filter(
    (d) =>
      d.contact !== undefined &&
      (source.type !== 'segment' || inSegment(source.segment.conditions, d, plan.lifts)) &&
      !plan.excludeLists.some((id) => d.items.has(listKeys.memberSk(id))) &&
      !plan.excludeSegments.some((s) => inSegment(s.conditions, d, plan.lifts)),
  );
  return { members, examined: page.candidates.length, ...(next ? { next } : {}) };
}

/** Members of a page who may receive the mail, and why the others may not. */
export async function eligibleAmong(
  ctx: TenantContext,
  members: ContactData[],
  rules: EligibilityRules,
): Promise<{ eligible: ContactData[]; refused: Map<string, Ineligibility> }> {
  const suppressed = await suppressedEmails(ctx, members);
  const eligible: ContactData[] = [];
  const refused = new Map<string, Ineligibility>();
  for (const member of members) {
    const reason = ineligibility(member, rules, suppressed);
    if (reason) refused.set(member.id, reason);
    else eligible.push(member);
  }
  return { eligible, refused };
}

export interface AudienceProbe {
  /** Whether at least one member may receive the mail. */
  reachable: boolean;
  /** Whether the whole audience was examined (so "not reachable" is certain). */
  complete: boolean;
  members: number;
  refused: Partial<Record<Ineligibility, number>>;
}

/**
 * Looks for one member who may receive the mail, examining at most `budget` candidates, so a
 * request can refuse an audience nobody in which has consented without reading a huge one.
 */
export async function probeAudience(
  ctx: TenantContext,
  audience: Audience,
  rules: EligibilityRules,
  budget = 5000,
): Promise<AudienceProbe> {
  const plan = await planAudience(ctx, audience, rules.topic?.id);
  const probe: AudienceProbe = { reachable: false, complete: false, members: 0, refused: {} };
  let position: AudiencePosition | undefined = START;
  let examined = 0;
  while (position && examined < budget) {
    const page = await audiencePage(ctx, plan, position, 250);
    examined += page.examined;
    probe.members += page.members.length;
    const { eligible, refused } = await eligibleAmong(ctx, page.members, rules);
    if (eligible.length) return { ...probe, reachable: true };
    for (const reason of refused.values()) probe.refused[reason] = (probe.refused[reason] ?? 0) + 1;
    position = page.next;
  }
  return { ...probe, complete: position === undefined };
}

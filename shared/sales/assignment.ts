import type { TenantContext } from '../platform/context.ts';
import { hasVersion, notExists } from '../platform/db/expressions.ts';
import { assertIfMatch, getItem, type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import { type FieldIssue, PreconditionFailedError } from '../platform/errors.ts';
import { listMembers } from '../tenancy/members.ts';
import type { Member } from '../tenancy/schema.ts';
import { invalid } from './invalid.ts';
import { leadKeys } from './keys.ts';
import type { LeadAssignmentRule, LeadAssignmentRules } from './schema.ts';

/**
 * Lead assignment rules are data: an ordered list, the first rule whose conditions (sources,
 * regions) match a new lead assigns it, either to a named member or to the next member of a team
 * in turn. The turn is an item per team written in the same transaction as the lead, so two leads
 * arriving together go to two different members.
 */

export async function getAssignmentRules(ctx: TenantContext): Promise<LeadAssignmentRules> {
  const item = await getItem(ctx, leadKeys.assignmentRules(ctx.tenantId), { consistent: true });
  if (!item) return { rules: [], version: 0 };
  return {
    rules: item.rules as LeadAssignmentRule[],
    version: Number(item.version),
    updatedAt: String(item.updatedAt),
  };
}

async function activeMembers(ctx: TenantContext): Promise<Member[]> {
  const members: Member[] = [];
  let cursor: string | undefined;
  do {
    const page = await listMembers(ctx, { limit: 100, ...(cursor ? { cursor } : {}) });
    members.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return members.filter((m) => m.status === 'active');
}

const sameTeam = (member: Member, team: string) => member.team?.toLowerCase() === team.toLowerCase();

export async function setAssignmentRules(
  ctx: TenantContext,
  rules: LeadAssignmentRule[],
  ifMatch?: number | 'any',
): Promise<LeadAssignmentRules> {
  const current = await getAssignmentRules(ctx);
  assertIfMatch(ifMatch, current);
  const members = await activeMembers(ctx);
  const issues: FieldIssue[] = [];
  const ids = new Set<string>();
  rules.forEach((rule, i) => {
    if (ids.has(rule.id))
      issues.push({ path: `body.rules.${i}.id`, message: `Rule ${rule.id} is listed twice.` });
    ids.add(rule.id);
    const assign = rule.assign;
    if (assign.type === 'member' && !members.some((m) => m.id === assign.memberId))
      issues.push({
        path: `body.rules.${i}.assign.memberId`,
        message: `No active member ${assign.memberId}.`,
      });
    if (assign.type === 'round_robin' && !members.some((m) => sameTeam(m, assign.team)))
      issues.push({
        path: `body.rules.${i}.assign.team`,
        message: `No active member is in team ${assign.team}.`,
      });
  });
  if (issues.length) throw invalid(issues);
  const next: LeadAssignmentRules = {
    rules,
    version: current.version + 1,
    updatedAt: ctx.clock.now().toISOString(),
  };
  await unitOfWork(ctx)
    .put(
      { ...leadKeys.assignmentRules(ctx.tenantId), entity: 'LeadAssignmentRules', ...next },
      {
        condition: current.version === 0 ? notExists : hasVersion(current.version),
        onConditionFailed: () => new PreconditionFailedError(),
      },
    )
    .commit();
  return next;
}

export function matchingRules(
  rules: LeadAssignmentRule[],
  lead: { source: string; region?: string | undefined },
): LeadAssignmentRule[] {
  return rules.filter(
    (rule) =>
      (!rule.match.sources || rule.match.sources.includes(lead.source)) &&
      (!rule.match.regions || (lead.region !== undefined && rule.match.regions.includes(lead.region))),
  );
}

/** The round-robin turn moved while this lead was being assigned: assign it again. */
export class TurnTaken extends Error {}

export interface Assignment {
  ownerId: string;
  ruleId: string;
  /** Records the turn in the lead's transaction (round robin only). */
  into?: (uow: UnitOfWork) => void;
}

/**
 * The owner the rules give a lead, if any. Rules whose member left, or whose team has nobody
 * active any more, are passed over so the next rule can catch the lead.
 */
export async function assignLead(
  ctx: TenantContext,
  lead: { source: string; region?: string | undefined },
): Promise<Assignment | undefined> {
  const { rules } = await getAssignmentRules(ctx);
  const candidates = matchingRules(rules, lead);
  if (candidates.length === 0) return undefined;
  const members = await activeMembers(ctx);
  for (const rule of candidates) {
    const assign = rule.assign;
    if (assign.type === 'member') {
      if (members.some((m) => m.id === assign.memberId)) return { ownerId: assign.memberId, ruleId: rule.id };
      continue;
    }
    const team = members.filter((m) => sameTeam(m, assign.team)).sort((a, b) => a.id.localeCompare(b.id));
    if (team.length === 0) continue;
    const key = leadKeys.roundRobin(ctx.tenantId, assign.team);
    const turn = await getItem(ctx, key, { consistent: true });
    const last = turn ? String(turn.lastMemberId) : undefined;
    const next = team.find((m) => last === undefined || m.id > last) ?? team[0]!;
    return {
      ownerId: next.id,
      ruleId: rule.id,
      into: (uow) =>
        uow.put(
          {
            ...key,
            entity: 'LeadRoundRobin',
            team: assign.team,
            lastMemberId: next.id,
            turn: Number(turn?.turn ?? 0) + 1,
          },
          {
            condition: turn ? (e) => `${e.name('turn')} = ${e.value(Number(turn.turn))}` : notExists,
            onConditionFailed: () => new TurnTaken(),
          },
        ),
    };
  }
  return undefined;
}

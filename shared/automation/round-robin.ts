import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantContext } from '../platform/context.ts';
import { tableName } from '../platform/db/client.ts';
import { allMembers } from '../tasks/summary.ts';
import { automationKeys } from './keys.ts';
import { sameTeam } from './rules.ts';

/**
 * Round-robin within a team: an atomic counter per team (ADD, read back in the same call) picks the
 * next of the team's active members in a stable order. Shared by every rule assigning to the team,
 * so the team's load evens out whatever rule made the task.
 */
export async function nextInTeam(ctx: TenantContext, team: string): Promise<string | undefined> {
  const members = [...(await allMembers(ctx)).values()]
    .filter((m) => m.status === 'active' && sameTeam(m.team, team))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  if (members.length === 0) return undefined;
  const result = await ctx.db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: automationKeys.roundRobin(ctx.tenantId, team),
      UpdateExpression: 'ADD #position :one SET #entity = :entity',
      ExpressionAttributeNames: { '#position': 'position', '#entity': 'entity' },
      ExpressionAttributeValues: { ':one': 1, ':entity': 'AutomationRoundRobin' },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const position = Number(result.Attributes?.position ?? 1);
  return members[(position - 1) % members.length]!.id;
}

import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { newId } from '../../shared/platform/ids.ts';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../../shared/tenancy/api-keys.ts';
import { listAudit } from '../../shared/tenancy/audit.ts';
import { rotateLinkKeys } from '../../shared/tenancy/link-keys.ts';
import {
  createMember,
  deactivateMember,
  getMember,
  listMembers,
  updateMember,
} from '../../shared/tenancy/members.ts';
import { getTenant, signUp, updateTenant } from '../../shared/tenancy/tenants.ts';
import { tenancyRoutes } from '../app/tenancy.ts';

export const handler = httpHandler(tenancyRoutes, {
  signUp: ({ body, contextFor }) => signUp(contextFor(asTenantId(newId()), { type: 'public' }), body),
  getTenant: ({ ctx }) => getTenant(ctx),
  updateTenant: ({ ctx, body, ifMatch }) => updateTenant(ctx, body, ifMatch),
  me: ({ ctx, principal }) => getMember(ctx, principal!.memberId),
  listMembers: ({ ctx, query }) => listMembers(ctx, query),
  createMember: ({ ctx, body }) => createMember(ctx, body),
  getMember: ({ ctx, params }) => getMember(ctx, params.id),
  updateMember: ({ ctx, params, body, ifMatch }) => updateMember(ctx, params.id, body, ifMatch),
  deactivateMember: ({ ctx, params }) => deactivateMember(ctx, params.id),
  listApiKeys: ({ ctx, query }) => listApiKeys(ctx, query),
  createApiKey: ({ ctx, body }) => createApiKey(ctx, body),
  getApiKey: ({ ctx, params }) => getApiKey(ctx, params.id),
  revokeApiKey: ({ ctx, params }) => revokeApiKey(ctx, params.id),
  rotateLinkKeys: ({ ctx, body }) => rotateLinkKeys(ctx, body),
  listAudit: ({ ctx, query }) => listAudit(ctx, query),
});

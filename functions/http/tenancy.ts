import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { newId } from '../../shared/platform/ids.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { adoptSignupSender, assertVerifiedSender } from '../../shared/senders/identities.ts';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../../shared/tenancy/api-keys.ts';
import { listAudit } from '../../shared/tenancy/audit.ts';
import { rotateLinkKeys } from '../../shared/tenancy/link-keys.ts';
import { createMember, deactivateMember, listMembers, updateMember } from '../../shared/tenancy/members.ts';
import { getMember, getTenant } from '../../shared/tenancy/records.ts';
import { resendVerificationLink, signUp, updateTenant } from '../../shared/tenancy/tenants.ts';
import { confirmVerification, verificationForm } from '../../shared/tenancy/verification.ts';
import { recordKinds } from '../app/records.ts';
import { tenancyRoutes } from '../app/tenancy.ts';

export const handler = httpHandler(
  tenancyRoutes,
  {
    signUp: ({ body, contextFor }) => signUp(contextFor(asTenantId(newId()), { type: 'public' }), body),
    resendVerification: async ({ ctx, principal }) =>
      reply(await resendVerificationLink(ctx, principal!.memberId), { status: 202 }),
    verificationForm: async (request) =>
      pageReply(
        await verificationForm(
          request.params.token,
          (t) => request.contextFor(t, { type: 'public' }),
          visitOf(request.headers),
        ),
        request,
      ),
    confirmVerification: async (request) => {
      const { params, contextFor } = request;
      const page = await confirmVerification(
        params.token,
        (t) => contextFor(t, { type: 'public' }),
        visitOf(request.headers),
      );
      // The sign-up's sender starts its own verification (SES mails it) only now.
      if (page.verified) await adoptSignupSender(page.verified.ctx, page.verified.tenant.sender.email);
      return pageReply(page, request);
    },
    getTenant: ({ ctx }) => getTenant(ctx),
    updateTenant: ({ ctx, body, ifMatch }) =>
      updateTenant(ctx, body, (email, field) => assertVerifiedSender(ctx, email, field), ifMatch),
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
  },
  { ...PAGE_OPTIONS, records: recordKinds },
);

import * as z from 'zod/mini';
import { adminOnly, anyMember } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, named } from '../../shared/platform/schema.ts';
import { SenderIdentity, SenderIdentityCreate } from '../../shared/senders/schema.ts';
import { defineModule } from './types.ts';

const fn = 'senders-api';
const tags = ['Sender identities'];
const ById = lazy(() => z.object({ id: Id }));

export const senderRoutes = {
  listSenderIdentities: route({
    operationId: 'listSenderIdentities',
    method: 'GET',
    path: '/v1/sender-identities',
    function: fn,
    access: anyMember,
    summary: 'List sender identities',
    description: 'Pending identities are checked with SES as they are listed.',
    tags,
    response: {
      status: 200,
      schema: named(
        'SenderIdentityList',
        lazy(() => z.object({ items: z.array(SenderIdentity) })),
      ),
    },
  }),
  createSenderIdentity: route({
    operationId: 'createSenderIdentity',
    method: 'POST',
    path: '/v1/sender-identities',
    function: fn,
    access: adminOnly,
    summary: 'Add a domain or address to send from',
    description:
      "A domain answers with the DKIM records to publish in its DNS; an address is mailed a verification link. Refused (409) before the tenant's admin verified their own address, and (422) for an identity another sender owns.",
    tags,
    body: SenderIdentityCreate,
    response: { status: 201, schema: SenderIdentity },
    errors: ['conflict', 'unprocessable'],
  }),
  getSenderIdentity: route({
    operationId: 'getSenderIdentity',
    method: 'GET',
    path: '/v1/sender-identities/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a sender identity (checks a pending one with SES)',
    tags,
    params: ById,
    response: { status: 200, schema: SenderIdentity },
  }),
  deleteSenderIdentity: route({
    operationId: 'deleteSenderIdentity',
    method: 'DELETE',
    path: '/v1/sender-identities/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Remove a sender identity',
    description: "Refused (409) while it is what covers the tenant's default sender.",
    tags,
    params: ById,
    response: { status: 204 },
    errors: ['conflict'],
  }),
  resendSenderVerification: route({
    operationId: 'resendSenderIdentityVerification',
    method: 'POST',
    path: '/v1/sender-identities/{id}/verification',
    function: fn,
    access: adminOnly,
    summary: 'Mail an address its verification link again (a domain: its records again)',
    tags,
    params: ById,
    idempotent: false,
    response: { status: 200, schema: SenderIdentity },
    errors: ['conflict'],
  }),
};

export const senders = /* @__PURE__ */ defineModule({
  name: 'senders',
  tags: {
    'Sender identities':
      'The domains and addresses a tenant sends from. Every email, setting and mailing must use one of them, verified.',
  },
  functions: [
    {
      name: 'senders-api',
      entry: 'functions/http/senders.ts',
      description: "Tenants' sender identities (SES email identities and the tenant's SES tenant).",
      permissions: ['table:tenant', 'mail:identities'],
    },
  ],
  routes: senderRoutes,
});

import * as z from 'zod/mini';
import { INBOUND_BUCKET, INCOMING_PREFIX, REJECTED_PREFIX } from '../../shared/cases/inbound-layout.ts';
import {
  Case,
  CaseCall,
  CaseCreate,
  CaseListQuery,
  CaseMessage,
  CaseReply,
  CaseSettings,
  CaseUpdate,
} from '../../shared/cases/schema.ts';
import { SLA_JOB, SLA_SCHEDULE } from '../../shared/cases/sla-layout.ts';
import { ATTACHABLE, DOCUMENTS_BUCKET } from '../../shared/documents/keys.ts';
import {
  Document,
  DocumentDownload,
  DocumentUpload,
  DocumentUploadRequest,
} from '../../shared/documents/schema.ts';
import { adminOnly, anyMember, customerFacing } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, Limit, page } from '../../shared/platform/schema.ts';
import { defineModule } from './types.ts';

const fn = 'cases-api';
const tags = ['Cases'];
const documentTags = ['Documents'];
const ById = lazy(() => z.object({ id: Id }));

export const caseRoutes = {
  createCase: route({
    operationId: 'createCase',
    method: 'POST',
    path: '/v1/cases',
    references: {
      contactId: 'contact',
      'links.orderIds.*': 'order',
      'links.invoiceIds.*': 'invoice',
      'links.dealIds.*': 'deal',
      'links.productIds.*': 'product',
    },
    function: fn,
    access: customerFacing,
    summary: 'Open a case',
    description:
      'For integrations and for agents logging a call (`channel: phone`). The customer is named by `contactId`, or ' +
      'by `requesterEmail` (matched to a contact, else created as a lead). Email and the contact form open cases ' +
      'by themselves.',
    tags,
    body: CaseCreate,
    response: { status: 201, schema: Case },
    versioned: true,
    errors: ['unprocessable'],
  }),
  listCases: route({
    operationId: 'listCases',
    method: 'GET',
    path: '/v1/cases',
    function: fn,
    access: anyMember,
    summary: 'List cases, newest first',
    description:
      "All cases, or those of one `status`, or one contact's (`contactId`, optionally with `status`).",
    tags,
    query: CaseListQuery,
    response: { status: 200, schema: page('CasePage', Case) },
  }),
  getCase: route({
    operationId: 'getCase',
    method: 'GET',
    path: '/v1/cases/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a case',
    tags,
    params: ById,
    response: { status: 200, schema: Case },
    versioned: true,
  }),
  updateCase: route({
    operationId: 'updateCase',
    method: 'PATCH',
    path: '/v1/cases/{id}',
    resource: 'case',
    references: { assigneeId: 'member' },
    function: fn,
    access: customerFacing,
    summary: "Change a case's status, priority, assignee, tags or subject",
    description: '`solved` sends the customer a satisfaction survey; a customer reply reopens a solved case.',
    tags,
    params: ById,
    body: CaseUpdate,
    response: { status: 200, schema: Case },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  listCaseMessages: route({
    operationId: 'listCaseMessages',
    method: 'GET',
    path: '/v1/cases/{id}/messages',
    function: fn,
    access: anyMember,
    summary: "A case's conversation, oldest first",
    tags,
    params: ById,
    query: lazy(() => z.object({ limit: Limit, cursor: z.optional(z.string().check(z.maxLength(2048))) })),
    response: { status: 200, schema: page('CaseMessagePage', CaseMessage) },
  }),
  getCaseMessage: route({
    operationId: 'getCaseMessage',
    method: 'GET',
    path: '/v1/cases/{id}/messages/{messageId}',
    function: fn,
    access: anyMember,
    summary: 'Read one message of a case',
    tags,
    params: lazy(() => z.object({ id: Id, messageId: Id })),
    response: { status: 200, schema: CaseMessage },
  }),
  replyToCase: route({
    operationId: 'replyToCase',
    method: 'POST',
    path: '/v1/cases/{id}/messages',
    location: '/v1/cases/{caseId}/messages/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Reply to the customer, or write an internal note',
    description:
      "A public reply is mailed from the tenant's sender with Reply-To the case's address, threaded under the " +
      "customer's messages (Message-ID, In-Reply-To, References) and quoting their last one; `delivery` tells " +
      'what became of it. An internal note is never mailed. A closed case takes no reply (409).',
    tags,
    params: ById,
    body: CaseReply,
    response: { status: 201, schema: CaseMessage },
    errors: ['conflict', 'precondition_failed'],
  }),
  logCaseCall: route({
    operationId: 'logCaseCall',
    method: 'POST',
    path: '/v1/cases/{id}/calls',
    location: '/v1/cases/{caseId}/messages/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Log a phone call on a case',
    description:
      'For agents and telephony integrations. An outbound call answers the customer (the first-response clock ' +
      'stops); an inbound one reopens a pending or solved case. A call that opens a case is POST /v1/cases with ' +
      '`channel: phone`.',
    tags,
    params: ById,
    body: CaseCall,
    response: { status: 201, schema: CaseMessage },
    errors: ['precondition_failed'],
  }),
};

export const caseSettingsRoutes = {
  getCaseSettings: route({
    operationId: 'getCaseSettings',
    method: 'GET',
    path: '/v1/case-settings',
    function: fn,
    access: anyMember,
    summary: "The contact centre's settings",
    tags,
    response: { status: 200, schema: CaseSettings },
  }),
  putCaseSettings: route({
    operationId: 'putCaseSettings',
    method: 'PUT',
    path: '/v1/case-settings',
    references: { csatSurveyId: 'survey' },
    function: fn,
    access: adminOnly,
    summary: "Set the contact centre's opening hours, holidays and satisfaction survey",
    description:
      "SLA clocks run in these opening hours, in the tenant's time zone; clocks already running keep their " +
      'targets. `csatSurveyId`: the survey mailed to the customer when a case is solved.',
    tags,
    body: CaseSettings,
    response: { status: 200, schema: CaseSettings },
    errors: ['unprocessable'],
  }),
};

export const documentRoutes = {
  createDocument: route({
    operationId: 'createDocument',
    method: 'POST',
    path: '/v1/documents',
    function: fn,
    access: customerFacing,
    summary: 'Start uploading a document',
    description:
      'Announce the file (name, type, size, SHA-256) and the records it belongs to; PUT the file to `upload.url` ' +
      'with `upload.headers`, then POST /v1/documents/{id}/complete. A type outside the allowed list or a size ' +
      'over 25 MB is refused here (400), and again at completion.',
    tags: documentTags,
    body: DocumentUploadRequest,
    response: { status: 201, schema: DocumentUpload },
    errors: ['unprocessable'],
  }),
  completeDocument: route({
    operationId: 'completeDocument',
    method: 'POST',
    path: '/v1/documents/{id}/complete',
    function: fn,
    access: customerFacing,
    summary: 'Finish an upload: the stored file is checked and the document listed',
    description:
      'The stored object must have the announced size, type and SHA-256: otherwise it is deleted (422) and the ' +
      'upload may be tried again. 409 while nothing was uploaded.',
    tags: documentTags,
    params: ById,
    idempotent: false,
    response: { status: 200, schema: Document },
    errors: ['conflict', 'unprocessable'],
  }),
  listDocuments: route({
    operationId: 'listDocuments',
    method: 'GET',
    path: '/v1/documents',
    function: fn,
    access: anyMember,
    summary: "List a record's documents, newest first",
    tags: documentTags,
    query: lazy(() =>
      z.object({
        kind: z.enum(ATTACHABLE),
        id: Id,
        limit: Limit,
        cursor: z.optional(z.string().check(z.maxLength(2048))),
      }),
    ),
    response: { status: 200, schema: page('DocumentPage', Document) },
  }),
  getDocument: route({
    operationId: 'getDocument',
    method: 'GET',
    path: '/v1/documents/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a document',
    tags: documentTags,
    params: ById,
    response: { status: 200, schema: Document },
  }),
  downloadDocument: route({
    operationId: 'downloadDocument',
    method: 'GET',
    path: '/v1/documents/{id}/download',
    function: fn,
    access: anyMember,
    summary: 'A short-lived address that downloads the document',
    description: 'A presigned S3 address, valid five minutes, that saves the file under its name.',
    tags: documentTags,
    params: ById,
    response: { status: 200, schema: DocumentDownload },
  }),
};

export const cases = /* @__PURE__ */ defineModule({
  name: 'cases',
  tags: {
    Cases: 'Customer requests from email, the contact form, calls and the API, with their conversations.',
    Documents: 'Files on records: email attachments, uploads, rendered quotes and invoices.',
  },
  functions: [
    {
      name: 'cases-api',
      entry: 'functions/http/cases.ts',
      description: 'Cases, their conversations and documents over HTTP.',
      permissions: ['table:tenant', `bucket:${DOCUMENTS_BUCKET}:read`, `bucket:${DOCUMENTS_BUCKET}:write`],
    },
    {
      name: 'cases-inbound',
      entry: 'functions/events/cases-inbound.ts',
      description: 'Turns mail received for the support addresses into cases and messages.',
      permissions: [
        'table:write',
        `bucket:${INBOUND_BUCKET}:read`,
        `bucket:${INBOUND_BUCKET}:write`,
        `bucket:${DOCUMENTS_BUCKET}:write`,
      ],
      timeoutSeconds: 60,
      memoryMb: 512,
      nodeModules: ['mailparser'],
    },
    {
      name: 'cases-mail',
      entry: 'functions/events/cases-mail.ts',
      description: "Mails case acknowledgements, agents' replies and SLA escalations, once each.",
      permissions: ['table:write', 'mail:send'],
      nodeModules: ['nodemailer'],
    },
    {
      name: 'cases-privacy',
      entry: 'functions/events/cases-privacy.ts',
      description:
        "Anonymises an erased contact's cases: the cases stay, the person and the conversation's text go.",
      permissions: ['table:write'],
    },
    {
      name: 'cases-csat',
      entry: 'functions/events/cases-csat.ts',
      description: 'Mails the satisfaction survey of a solved case, through the surveys module.',
      permissions: ['table:write'],
    },
    {
      name: 'cases-sla-timers',
      entry: 'functions/events/cases-sla-timers.ts',
      description: "Sets a case's SLA timer (a one-time schedule) to its clocks' next instant.",
      permissions: ['table:write', 'schedules:manage'],
    },
    {
      name: SLA_JOB,
      entry: 'functions/jobs/cases-sla.ts',
      description: "Records a case's SLA warnings and breaches when its timer fires, then sets the next.",
      permissions: ['table:write', 'schedules:manage'],
    },
  ],
  routes: [caseRoutes, caseSettingsRoutes, documentRoutes],
  schedules: [
    {
      name: SLA_SCHEDULE,
      description: "A case's next SLA warning or breach (one schedule per case with a running clock).",
      target: SLA_JOB,
      kind: 'one-time',
    },
  ],
  rules: [
    {
      name: 'cases-mail',
      description: 'A case opened or an agent replied: acknowledge it, or mail the reply.',
      bus: 'domain',
      pattern: {
        source: ['funnel.cases'],
        'detail-type': ['CaseOpened', 'CaseReplyPosted', 'CaseSlaBreached'],
      },
      target: 'cases-mail',
    },
    {
      name: 'cases-privacy',
      description: "An erased contact's documents and cases lose the person; a merged one's move.",
      bus: 'domain',
      pattern: { source: ['funnel.contacts'], 'detail-type': ['ContactErased', 'ContactsMerged'] },
      target: 'cases-privacy',
    },
    {
      name: 'cases-csat',
      description: 'A case was solved: mail its satisfaction survey.',
      bus: 'domain',
      pattern: { source: ['funnel.cases'], detail: { to: ['solved'] }, 'detail-type': ['CaseStatusChanged'] },
      target: 'cases-csat',
    },
    {
      name: 'cases-sla-timers',
      description: 'A case opened, or a message, call or status moved its SLA clocks: set its timer.',
      bus: 'domain',
      pattern: {
        source: ['funnel.cases'],
        'detail-type': [
          'CaseOpened',
          'CaseMessageReceived',
          'CaseReplyPosted',
          'CaseCallLogged',
          'CaseStatusChanged',
        ],
      },
      target: 'cases-sla-timers',
    },
  ],
  buckets: [
    {
      name: INBOUND_BUCKET,
      description: 'Raw mail received for the support addresses (SES receiving), and what was kept aside.',
      lifecycle: [
        { prefix: INCOMING_PREFIX, expireAfterDays: 90 },
        { prefix: REJECTED_PREFIX, expireAfterDays: 30 },
      ],
      notifications: [
        { name: 'mail-received', events: ['created'], prefix: INCOMING_PREFIX, target: 'cases-inbound' },
      ],
    },
    {
      name: DOCUMENTS_BUCKET,
      description: "Customers' files: attachments, uploads, rendered quotes and invoices, per tenant.",
      lifecycle: [{ prefix: 'tenants/', infrequentAccessAfterDays: 180 }],
    },
  ],
});

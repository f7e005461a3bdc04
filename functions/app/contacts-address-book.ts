import * as z from 'zod/mini';
import {
  Company,
  CompanyCreate,
  CompanyUpdate,
  Contact,
  ContactCreate,
  ContactMerge,
  ContactSearchQuery,
  ContactUpdate,
  CustomFieldDefine,
  CustomFieldDefinition,
  CustomFieldKey,
  HistoryEntry,
  Import,
  ImportRowError,
  MergeStatus,
  SelfServiceLink,
  SelfServiceLinkMail,
  TimelineEntry,
} from '../../shared/contacts/schema.ts';
import { adminOnly, anyMember, customerFacing, type Role } from '../../shared/platform/auth.ts';
import { BatchRequest, BatchResult } from '../../shared/platform/http/batch-schema.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, Limit, named, PageQuery, page } from '../../shared/platform/schema.ts';

const fn = 'contacts-api';
const tags = ['Contacts'];
const ById = lazy(() => z.object({ id: Id }));
const CsvText = named(
  'CsvText',
  lazy(() => z.string()),
  'CSV text (UTF-8), whole rows only.',
);
/** Who may bulk-load or bulk-read the address book. */
const bulkRoles: readonly Role[] = ['admin', 'sales', 'marketing'];
/** Who answers a person's request for their data. */
const privacyRoles: readonly Role[] = ['admin', 'support'];

/**
 * The address book's routes, served by contacts-api: contacts, companies, custom fields, history,
 * timelines, imports, self-service links, merges and erasure. Activities and the calendar are
 * activities-api's (contacts-activities.ts).
 */
export const contactRoutes = {
  createContact: route({
    operationId: 'createContact',
    method: 'POST',
    path: '/v1/contacts',
    references: { companyId: 'company', ownerId: 'member' },
    function: fn,
    access: customerFacing,
    summary: 'Add a contact',
    tags,
    body: ContactCreate,
    response: { status: 201, schema: Contact },
    versioned: true,
    errors: ['conflict', 'unprocessable'],
  }),
  batchContacts: route({
    operationId: 'batchContacts',
    method: 'POST',
    path: '/v1/contacts/batch',
    function: fn,
    access: customerFacing,
    summary: 'Create, update or upsert up to 100 contacts in one call',
    description:
      'Each record is `{ "action": "create" | "update" | "upsert", "id"?, "data" }`: `data` is the body the single ' +
      'create (or, for an existing record, update) route takes; `update` names the record by `id`; `upsert` updates ' +
      'the record whose `email` is `data.email`, else creates it. Records are written one by one, in order: a batch ' +
      'is not atomic. The answer has one result per record, by `index`: 201 created, 200 updated, or the problem ' +
      'document of that record, whose field paths name it (`body.records.3.data.email`). More than 100 records is a 400.',
    tags: tags,
    body: BatchRequest,
    response: { status: 200, schema: BatchResult, description: 'One result per record, in order.' },
  }),
  listContacts: route({
    operationId: 'listContacts',
    method: 'GET',
    path: '/v1/contacts',
    expand: { company: { field: 'companyId', kind: 'company' }, owner: { field: 'ownerId', kind: 'member' } },
    function: fn,
    access: anyMember,
    summary: 'List contacts by name, or find them',
    description:
      'Without filters, every contact by last name. Each filter is served by an index, without a scan: ' +
      '`email` (exact, primary or further emails), `phone` (any format; compared in E.164), `namePrefix` ' +
      '(start of the last name), `tag`, `lifecycleStage`, `ownerId` (optionally with `lifecycleStage`), ' +
      '`country` (optionally with `region`), `companyId`. Use one filter at a time.',
    tags,
    query: lazy(() => z.extend(ContactSearchQuery, PageQuery.shape)),
    response: { status: 200, schema: page('ContactPage', Contact) },
  }),
  exportContacts: route({
    operationId: 'exportContacts',
    method: 'GET',
    path: '/v1/contacts/export',
    function: fn,
    access: bulkRoles,
    summary: 'Export contacts as CSV or NDJSON',
    description:
      'Up to 1000 contacts by name per request. The `x-next-cursor` response header gives the next page; ' +
      'only the first CSV page carries the header row, so pages concatenate into one file.',
    tags,
    query: lazy(() =>
      z.object({
        format: z._default(z.enum(['csv', 'ndjson']), 'csv'),
        cursor: z.optional(z.string().check(z.maxLength(2048))),
      }),
    ),
    response: {
      status: 200,
      contentType: 'text/csv',
      description: 'CSV (text/csv) or NDJSON (application/x-ndjson).',
    },
  }),
  getContact: route({
    operationId: 'getContact',
    method: 'GET',
    path: '/v1/contacts/{id}',
    expand: { company: { field: 'companyId', kind: 'company' }, owner: { field: 'ownerId', kind: 'member' } },
    function: fn,
    access: anyMember,
    summary: 'Read a contact',
    tags,
    params: ById,
    response: { status: 200, schema: Contact },
    versioned: true,
  }),
  updateContact: route({
    operationId: 'updateContact',
    method: 'PATCH',
    path: '/v1/contacts/{id}',
    resource: 'contact',
    references: { companyId: 'company', ownerId: 'member' },
    function: fn,
    access: customerFacing,
    summary: 'Change a contact',
    tags,
    params: ById,
    body: ContactUpdate,
    response: { status: 200, schema: Contact },
    versioned: true,
    errors: ['conflict', 'precondition_failed'],
  }),
  eraseContact: route({
    operationId: 'eraseContact',
    method: 'DELETE',
    path: '/v1/contacts/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Erase a contact and their personal data',
    description:
      'The right to erasure: the contact, their history, timeline and activities are removed; other modules ' +
      'remove or anonymize what they hold (invoices keep their amounts, lose the person). Cannot be undone.',
    tags,
    params: ById,
    response: { status: 204 },
    errors: ['conflict'],
  }),
  contactTimeline: route({
    operationId: 'getContactTimeline',
    method: 'GET',
    path: '/v1/contacts/{id}/timeline',
    function: fn,
    access: anyMember,
    summary: 'Read everything that happened with a contact, newest first',
    tags,
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('TimelinePage', TimelineEntry) },
  }),
  contactHistory: route({
    operationId: 'getContactHistory',
    method: 'GET',
    path: '/v1/contacts/{id}/history',
    function: fn,
    access: anyMember,
    summary: "Read a contact's change history, newest first",
    tags,
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('HistoryPage', HistoryEntry) },
  }),
  selfServiceLink: route({
    operationId: 'createSelfServiceLink',
    method: 'POST',
    path: '/v1/contacts/{id}/self-service-link',
    location: '/v1/contacts/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Make a link for the contact to correct their own data',
    description:
      'The signed link expires after 7 days. Send it to the contact; it opens a form that works without JavaScript.',
    tags,
    params: ById,
    response: { status: 201, schema: SelfServiceLink },
  }),
  emailSelfServiceLink: route({
    operationId: 'emailSelfServiceLink',
    method: 'POST',
    path: '/v1/contacts/{id}/self-service-link/email',
    function: fn,
    access: customerFacing,
    summary: 'Email the contact a link to correct their own data',
    description:
      "Sends a new 7-day self-service link to the contact's email address, in their language, as transactional mail (a suppressed address receives nothing). At most one such email per contact every 10 minutes: another request in that window answers 409, and an `Idempotency-Key` replays the first answer.",
    tags,
    params: ById,
    response: { status: 200, schema: SelfServiceLinkMail },
  }),
  mergeContact: route({
    operationId: 'mergeContacts',
    method: 'POST',
    path: '/v1/contacts/{id}/merge',
    resource: 'contact',
    references: { duplicateId: 'contact' },
    function: fn,
    access: customerFacing,
    summary: 'Merge a duplicate into this contact',
    description:
      "The duplicate's history, timeline and activities move to this contact, its emails, phones, addresses " +
      'and tags are added, and fields this contact lacks are filled; then the duplicate is removed. It runs in ' +
      'the background (202): the duplicate answers 404 once done.',
    tags,
    params: ById,
    body: ContactMerge,
    response: { status: 202, schema: MergeStatus },
    errors: ['conflict', 'unprocessable'],
  }),
  contactDataExport: route({
    operationId: 'exportContactData',
    method: 'GET',
    path: '/v1/contacts/{id}/export',
    function: fn,
    access: privacyRoles,
    summary: 'Export everything held about a contact',
    description:
      'For a data access request: the contact, history, timeline, activities and what other modules keep.',
    tags,
    params: ById,
    response: {
      status: 200,
      contentType: 'application/json',
      description: 'Everything held about the contact.',
    },
  }),
  listCustomFields: route({
    operationId: 'listContactFields',
    method: 'GET',
    path: '/v1/contact-fields',
    function: fn,
    access: anyMember,
    summary: 'List the custom fields of contacts',
    tags,
    response: { status: 200, schema: lazy(() => z.object({ items: z.array(CustomFieldDefinition) })) },
  }),
  defineCustomField: route({
    operationId: 'createContactField',
    method: 'POST',
    path: '/v1/contact-fields',
    location: '/v1/contact-fields/{key}',
    function: fn,
    access: adminOnly,
    summary: 'Add a custom field to contacts',
    tags,
    body: lazy(() => z.extend(CustomFieldDefine, { key: CustomFieldKey })),
    response: { status: 201, schema: CustomFieldDefinition },
    errors: ['conflict', 'unprocessable'],
  }),
  changeCustomField: route({
    operationId: 'updateContactField',
    method: 'PATCH',
    path: '/v1/contact-fields/{key}',
    function: fn,
    access: adminOnly,
    summary: 'Rename a custom field or change its type or choices',
    tags,
    params: lazy(() => z.object({ key: CustomFieldKey })),
    body: CustomFieldDefine,
    response: { status: 200, schema: CustomFieldDefinition },
  }),
  deleteCustomField: route({
    operationId: 'deleteContactField',
    method: 'DELETE',
    path: '/v1/contact-fields/{key}',
    function: fn,
    access: adminOnly,
    summary: 'Remove a custom field',
    tags,
    params: lazy(() => z.object({ key: CustomFieldKey })),
    response: { status: 204 },
  }),
  createCompany: route({
    operationId: 'createCompany',
    method: 'POST',
    path: '/v1/companies',
    references: { ownerId: 'member' },
    function: fn,
    access: customerFacing,
    summary: 'Add a company',
    tags: ['Companies'],
    body: CompanyCreate,
    response: { status: 201, schema: Company },
    versioned: true,
    errors: ['conflict', 'unprocessable'],
  }),
  batchCompanies: route({
    operationId: 'batchCompanies',
    method: 'POST',
    path: '/v1/companies/batch',
    function: fn,
    access: customerFacing,
    summary: 'Create, update or upsert up to 100 companies in one call',
    description:
      'Each record is `{ "action": "create" | "update" | "upsert", "id"?, "data" }`: `data` is the body the single ' +
      'create (or, for an existing record, update) route takes; `update` names the record by `id`; `upsert` updates ' +
      'the record whose `domain` is `data.domain`, else creates it. Records are written one by one, in order: a batch ' +
      'is not atomic. The answer has one result per record, by `index`: 201 created, 200 updated, or the problem ' +
      'document of that record, whose field paths name it (`body.records.3.data.domain`). More than 100 records is a 400.',
    tags: ['Companies'],
    body: BatchRequest,
    response: { status: 200, schema: BatchResult, description: 'One result per record, in order.' },
  }),
  listCompanies: route({
    operationId: 'listCompanies',
    method: 'GET',
    path: '/v1/companies',
    function: fn,
    access: anyMember,
    summary: 'List companies by name',
    description: '`namePrefix` finds the companies whose name starts with it (case-insensitive).',
    tags: ['Companies'],
    query: lazy(() =>
      z.extend(PageQuery, {
        namePrefix: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
      }),
    ),
    response: { status: 200, schema: page('CompanyPage', Company) },
  }),
  getCompany: route({
    operationId: 'getCompany',
    method: 'GET',
    path: '/v1/companies/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a company',
    tags: ['Companies'],
    params: ById,
    response: { status: 200, schema: Company },
    versioned: true,
  }),
  updateCompany: route({
    operationId: 'updateCompany',
    method: 'PATCH',
    path: '/v1/companies/{id}',
    resource: 'company',
    references: { ownerId: 'member' },
    function: fn,
    access: customerFacing,
    summary: 'Change a company',
    tags: ['Companies'],
    params: ById,
    body: CompanyUpdate,
    response: { status: 200, schema: Company },
    versioned: true,
    errors: ['conflict', 'precondition_failed'],
  }),
  companyContacts: route({
    operationId: 'listCompanyContacts',
    method: 'GET',
    path: '/v1/companies/{id}/contacts',
    expand: { company: { field: 'companyId', kind: 'company' }, owner: { field: 'ownerId', kind: 'member' } },
    function: fn,
    access: anyMember,
    summary: "List a company's contacts by name",
    tags: ['Companies'],
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('ContactPage', Contact) },
  }),
  companyHistory: route({
    operationId: 'getCompanyHistory',
    method: 'GET',
    path: '/v1/companies/{id}/history',
    function: fn,
    access: anyMember,
    summary: "Read a company's change history, newest first",
    tags: ['Companies'],
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('HistoryPage', HistoryEntry) },
  }),
  createImport: route({
    operationId: 'createImport',
    method: 'POST',
    path: '/v1/imports',
    function: fn,
    access: bulkRoles,
    summary: 'Import contacts from CSV',
    description:
      'The body is the CSV (or its first part, with the header). Files over 1 MiB go in parts of whole rows: ' +
      'say how many with `parts` and send the others, in order, to POST /v1/imports/{id}/parts. Rows are upserted by ' +
      'email; `dryRun=true` reports what would happen without changing anything. Follow progress at ' +
      'GET /v1/imports/{id} and the refused rows at GET /v1/imports/{id}/errors.',
    tags: ['Imports'],
    query: lazy(() =>
      z.object({
        dryRun: z._default(z.stringbool(), false),
        parts: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(200)), 1),
      }),
    ),
    body: CsvText,
    bodyEncoding: 'text',
    response: { status: 202, schema: Import },
  }),
  addImportPart: route({
    operationId: 'addImportPart',
    method: 'POST',
    path: '/v1/imports/{id}/parts',
    function: fn,
    access: bulkRoles,
    summary: 'Send the next part of a CSV import',
    description:
      'Whole rows, no header, one part after another. Send an `Idempotency-Key` to retry safely. ' +
      'The last part (as counted by `parts`) starts the import.',
    tags: ['Imports'],
    params: ById,
    body: CsvText,
    bodyEncoding: 'text',
    response: { status: 200, schema: Import },
    errors: ['conflict', 'unprocessable'],
  }),
  getImport: route({
    operationId: 'getImport',
    method: 'GET',
    path: '/v1/imports/{id}',
    function: fn,
    access: bulkRoles,
    summary: "Read an import's progress and outcome",
    tags: ['Imports'],
    params: ById,
    response: { status: 200, schema: Import },
  }),
  importErrors: route({
    operationId: 'listImportErrors',
    method: 'GET',
    path: '/v1/imports/{id}/errors',
    function: fn,
    access: bulkRoles,
    summary: 'List the rows an import refused, by line number',
    tags: ['Imports'],
    params: ById,
    query: lazy(() => z.object({ limit: Limit, cursor: z.optional(z.string().check(z.maxLength(2048))) })),
    response: { status: 200, schema: page('ImportRowErrorPage', ImportRowError) },
  }),
};

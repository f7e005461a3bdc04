import { defineCustomField, deleteCustomField, listCustomFields } from '../../shared/contacts/fields.ts';
import { listHistory } from '../../shared/contacts/history.ts';
import { getCompany, getContact } from '../../shared/contacts/records.ts';
import { searchContacts } from '../../shared/contacts/search.ts';
import { createContact, findContactIdByEmail, updateContact } from '../../shared/contacts/service.ts';
import { runBatch, singleWrite as write } from '../../shared/platform/http/batch.ts';
import { httpHandler, noContent, reply } from '../../shared/platform/http/handler.ts';
import { contactRoutes } from '../app/contacts-address-book.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';

// Contacts themselves (create, read, list, update) load at every cold start; each other feature
// loads on its first request, so a cold start does not pay for every route's code.
const companies = () => import('../../shared/contacts/companies.ts');
const exports = () => import('../../shared/contacts/export.ts');
const imports = () => import('../../shared/contacts/imports.ts');
const privacy = () => import('../../shared/contacts/privacy.ts');
const selfService = () => import('../../shared/contacts/self-service.ts');
const selfServiceMail = () => import('../../shared/contacts/self-service-mail.ts');
const timeline = () => import('../../shared/contacts/timeline.ts');

export const handler = httpHandler(
  contactRoutes,
  {
    createContact: ({ ctx, body }) => createContact(ctx, body),
    batchContacts: ({ ctx, body, requestId, event }) =>
      runBatch(
        ctx,
        body.records,
        {
          create: { ...write(contactRoutes.createContact), run: createContact },
          update: { ...write(contactRoutes.updateContact), run: (c, id, data) => updateContact(c, id, data) },
          match: { field: 'email', find: findContactIdByEmail },
        },
        recordKinds,
        { requestId, instance: event.rawPath },
      ),
    batchCompanies: async ({ ctx, body, requestId, event }) => {
      const { createCompany, findCompanyIdByDomain, updateCompany } = await companies();
      return runBatch(
        ctx,
        body.records,
        {
          create: { ...write(contactRoutes.createCompany), run: createCompany },
          update: { ...write(contactRoutes.updateCompany), run: (c, id, data) => updateCompany(c, id, data) },
          match: { field: 'domain', find: findCompanyIdByDomain },
        },
        recordKinds,
        { requestId, instance: event.rawPath },
      );
    },
    listContacts: ({ ctx, query }) => {
      const { limit, cursor, ...filters } = query;
      return searchContacts(ctx, filters, { limit, ...(cursor ? { cursor } : {}) });
    },
    exportContacts: async ({ ctx, query }) => {
      const keys = (await listCustomFields(ctx)).map((f) => f.key);
      const page = await (await exports()).exportContacts(ctx, query.format, keys, query.cursor);
      return reply(page.body, {
        headers: {
          'content-type': query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
          ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
        },
      });
    },
    getContact: ({ ctx, params }) => getContact(ctx, params.id),
    updateContact: ({ ctx, params, body, ifMatch }) => updateContact(ctx, params.id, body, ifMatch),
    eraseContact: async ({ ctx, params }) => {
      await (await privacy()).eraseContact(ctx, params.id);
      return noContent();
    },
    contactTimeline: async ({ ctx, params, query }) => {
      await getContact(ctx, params.id);
      return (await timeline()).listTimeline(ctx, params.id, query);
    },
    contactHistory: async ({ ctx, params, query }) => {
      await getContact(ctx, params.id);
      return listHistory(ctx, { type: 'contact', id: params.id }, query);
    },
    selfServiceLink: async ({ ctx, params }) => (await selfService()).createSelfServiceLink(ctx, params.id),
    emailSelfServiceLink: async ({ ctx, params }) =>
      (await selfServiceMail()).emailSelfServiceLink(ctx, params.id),
    mergeContact: async ({ ctx, params, body }) =>
      (await privacy()).requestMerge(ctx, params.id, body.duplicateId),
    contactDataExport: async ({ ctx, params }) => (await privacy()).exportContactData(ctx, params.id),
    listCustomFields: async ({ ctx }) => ({ items: await listCustomFields(ctx) }),
    defineCustomField: ({ ctx, body: { key, ...definition } }) =>
      defineCustomField(ctx, key, definition, 'create'),
    changeCustomField: ({ ctx, params, body }) => defineCustomField(ctx, params.key, body, 'change'),
    deleteCustomField: async ({ ctx, params }) => {
      await deleteCustomField(ctx, params.key);
      return noContent();
    },
    createCompany: async ({ ctx, body }) => (await companies()).createCompany(ctx, body),
    listCompanies: async ({ ctx, query }) => (await companies()).listCompanies(ctx, query),
    getCompany: async ({ ctx, params }) => getCompany(ctx, params.id),
    updateCompany: async ({ ctx, params, body, ifMatch }) =>
      (await companies()).updateCompany(ctx, params.id, body, ifMatch),
    companyContacts: async ({ ctx, params, query }) => {
      await getCompany(ctx, params.id);
      return searchContacts(ctx, { companyId: params.id }, query);
    },
    companyHistory: async ({ ctx, params, query }) => {
      await getCompany(ctx, params.id);
      return listHistory(ctx, { type: 'company', id: params.id }, query);
    },
    createImport: async ({ ctx, query, body }) => (await imports()).createImport(ctx, query, body),
    addImportPart: async ({ ctx, params, body }) => (await imports()).addNextPart(ctx, params.id, body),
    getImport: async ({ ctx, params }) => (await imports()).getImport(ctx, params.id),
    importErrors: async ({ ctx, params, query }) => (await imports()).listImportErrors(ctx, params.id, query),
  },
  { records: recordKinds, expansions: expandableKinds },
);

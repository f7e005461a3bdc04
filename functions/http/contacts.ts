import {
  createActivity,
  deleteActivity,
  getActivity,
  listCompanyActivities,
  listContactActivities,
  updateActivity,
} from '../../shared/contacts/activities.ts';
import {
  calendar,
  getCalendarFeed,
  issueCalendarFeed,
  revokeCalendarFeed,
} from '../../shared/contacts/calendar.ts';
import {
  createCompany,
  findCompanyIdByDomain,
  getCompany,
  listCompanies,
  updateCompany,
} from '../../shared/contacts/companies.ts';
import { exportContacts } from '../../shared/contacts/export.ts';
import { defineCustomField, deleteCustomField, listCustomFields } from '../../shared/contacts/fields.ts';
import { listHistory } from '../../shared/contacts/history.ts';
import { addNextPart, createImport, getImport, listImportErrors } from '../../shared/contacts/imports.ts';
import { eraseContact, exportContactData, requestMerge } from '../../shared/contacts/privacy.ts';
import { searchContacts } from '../../shared/contacts/search.ts';
import { createSelfServiceLink } from '../../shared/contacts/self-service.ts';
import { emailSelfServiceLink } from '../../shared/contacts/self-service-mail.ts';
import {
  createContact,
  findContactIdByEmail,
  getContact,
  updateContact,
} from '../../shared/contacts/service.ts';
import { listTimeline } from '../../shared/contacts/timeline.ts';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { runBatch, singleWrite as write } from '../../shared/platform/http/batch.ts';
import { httpHandler, noContent, reply } from '../../shared/platform/http/handler.ts';
import { contactRoutes } from '../app/contacts.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';

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
    batchCompanies: ({ ctx, body, requestId, event }) =>
      runBatch(
        ctx,
        body.records,
        {
          create: { ...write(contactRoutes.createCompany), run: createCompany },
          update: { ...write(contactRoutes.updateCompany), run: (c, id, data) => updateCompany(c, id, data) },
          match: { field: 'domain', find: findCompanyIdByDomain },
        },
        recordKinds,
        { requestId, instance: event.rawPath },
      ),
    listContacts: ({ ctx, query }) => {
      const { limit, cursor, ...filters } = query;
      return searchContacts(ctx, filters, { limit, ...(cursor ? { cursor } : {}) });
    },
    exportContacts: async ({ ctx, query }) => {
      const keys = (await listCustomFields(ctx)).map((f) => f.key);
      const page = await exportContacts(ctx, query.format, keys, query.cursor);
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
      await eraseContact(ctx, params.id);
      return noContent();
    },
    contactTimeline: async ({ ctx, params, query }) => {
      await getContact(ctx, params.id);
      return listTimeline(ctx, params.id, query);
    },
    contactHistory: async ({ ctx, params, query }) => {
      await getContact(ctx, params.id);
      return listHistory(ctx, { type: 'contact', id: params.id }, query);
    },
    contactActivities: async ({ ctx, params, query }) => {
      await getContact(ctx, params.id);
      return listContactActivities(ctx, params.id, query);
    },
    selfServiceLink: ({ ctx, params }) => createSelfServiceLink(ctx, params.id),
    emailSelfServiceLink: ({ ctx, params }) => emailSelfServiceLink(ctx, params.id),
    mergeContact: ({ ctx, params, body }) => requestMerge(ctx, params.id, body.duplicateId),
    contactDataExport: ({ ctx, params }) => exportContactData(ctx, params.id),
    listCustomFields: async ({ ctx }) => ({ items: await listCustomFields(ctx) }),
    defineCustomField: ({ ctx, body: { key, ...definition } }) =>
      defineCustomField(ctx, key, definition, 'create'),
    changeCustomField: ({ ctx, params, body }) => defineCustomField(ctx, params.key, body, 'change'),
    deleteCustomField: async ({ ctx, params }) => {
      await deleteCustomField(ctx, params.key);
      return noContent();
    },
    createCompany: ({ ctx, body }) => createCompany(ctx, body),
    listCompanies: ({ ctx, query }) => listCompanies(ctx, query),
    getCompany: ({ ctx, params }) => getCompany(ctx, params.id),
    updateCompany: ({ ctx, params, body, ifMatch }) => updateCompany(ctx, params.id, body, ifMatch),
    companyContacts: async ({ ctx, params, query }) => {
      await getCompany(ctx, params.id);
      return searchContacts(ctx, { companyId: params.id }, query);
    },
    companyHistory: async ({ ctx, params, query }) => {
      await getCompany(ctx, params.id);
      return listHistory(ctx, { type: 'company', id: params.id }, query);
    },
    companyActivities: async ({ ctx, params, query }) => {
      await getCompany(ctx, params.id);
      return listCompanyActivities(ctx, params.id, query);
    },
    createActivity: ({ ctx, body }) => createActivity(ctx, body),
    getActivity: ({ ctx, params }) => getActivity(ctx, params.id),
    updateActivity: ({ ctx, params, body, ifMatch }) => updateActivity(ctx, params.id, body, ifMatch),
    deleteActivity: async ({ ctx, params }) => {
      await deleteActivity(ctx, params.id);
      return noContent();
    },
    calendar: ({ ctx, query }) =>
      calendar(ctx, {
        from: query.from,
        to: query.to,
        ...(query.owner ? { ownerId: query.owner } : {}),
        reachableNow: query.reachableNow,
      }),
    calendarFeed: async ({ ctx, principal }) => {
      try {
        return { active: true, feed: await getCalendarFeed(ctx, principal!.memberId) };
      } catch (error) {
        if (error instanceof NotFoundError) return { active: false };
        throw error;
      }
    },
    issueCalendarFeed: ({ ctx, principal }) => issueCalendarFeed(ctx, principal!.memberId),
    revokeCalendarFeed: async ({ ctx, principal }) => {
      await revokeCalendarFeed(ctx, principal!.memberId);
      return noContent();
    },
    createImport: ({ ctx, query, body }) => createImport(ctx, query, body),
    addImportPart: ({ ctx, params, body }) => addNextPart(ctx, params.id, body),
    getImport: ({ ctx, params }) => getImport(ctx, params.id),
    importErrors: ({ ctx, params, query }) => listImportErrors(ctx, params.id, query),
  },
  { records: recordKinds, expansions: expandableKinds },
);

import { createCompany, getCompany, listCompanies } from '../../shared/contacts/companies.ts';
import { createContact, getContact, listContacts, updateContact } from '../../shared/contacts/service.ts';
import { listTimeline } from '../../shared/contacts/timeline.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { contactRoutes } from '../app/contacts.ts';

export const handler = httpHandler(contactRoutes, {
  createContact: ({ ctx, body }) => createContact(ctx, body),
  listContacts: ({ ctx, query }) => listContacts(ctx, query),
  getContact: ({ ctx, params }) => getContact(ctx, params.id),
  updateContact: ({ ctx, params, body, ifMatch }) => updateContact(ctx, params.id, body, ifMatch),
  contactTimeline: async ({ ctx, params, query }) => {
    await getContact(ctx, params.id);
    return listTimeline(ctx, params.id, query);
  },
  createCompany: ({ ctx, body }) => createCompany(ctx, body),
  listCompanies: ({ ctx, query }) => listCompanies(ctx, query),
  getCompany: ({ ctx, params }) => getCompany(ctx, params.id),
});

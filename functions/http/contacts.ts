import { createContact, getContact, listContacts, updateContact } from '../../shared/contacts/service.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { contactRoutes } from '../app/contacts.ts';

export const handler = httpHandler(contactRoutes, {
  createContact: ({ ctx, body }) => createContact(ctx, body),
  listContacts: ({ ctx, query }) => listContacts(ctx, query),
  getContact: ({ ctx, params }) => getContact(ctx, params.id),
  updateContact: ({ ctx, params, body, ifMatch }) => updateContact(ctx, params.id, body, ifMatch),
});

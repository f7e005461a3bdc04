import * as z from 'zod/mini';
import {
  Company,
  CompanyCreate,
  Contact,
  ContactCreate,
  ContactUpdate,
  TimelineEntry,
} from '../../shared/contacts/schema.ts';
import { anyMember, customerFacing } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { Id, PageQuery, page } from '../../shared/platform/schema.ts';
import { defineModule } from './types.ts';

const fn = 'contacts-api';
const tags = ['Contacts'];
const ById = z.object({ id: Id });

export const contactRoutes = {
  createContact: route({
    operationId: 'createContact',
    method: 'POST',
    path: '/v1/contacts',
    function: fn,
    access: customerFacing,
    summary: 'Add a contact',
    tags,
    body: ContactCreate,
    response: { status: 201, schema: Contact },
    versioned: true,
    errors: ['conflict', 'unprocessable'],
  }),
  listContacts: route({
    operationId: 'listContacts',
    method: 'GET',
    path: '/v1/contacts',
    function: fn,
    access: anyMember,
    summary: 'List contacts by name',
    tags,
    query: PageQuery,
    response: { status: 200, schema: page('ContactPage', Contact) },
  }),
  getContact: route({
    operationId: 'getContact',
    method: 'GET',
    path: '/v1/contacts/{id}',
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
  createCompany: route({
    operationId: 'createCompany',
    method: 'POST',
    path: '/v1/companies',
    function: fn,
    access: customerFacing,
    summary: 'Add a company',
    tags: ['Companies'],
    body: CompanyCreate,
    response: { status: 201, schema: Company },
    versioned: true,
    errors: ['conflict', 'unprocessable'],
  }),
  listCompanies: route({
    operationId: 'listCompanies',
    method: 'GET',
    path: '/v1/companies',
    function: fn,
    access: anyMember,
    summary: 'List companies by name',
    tags: ['Companies'],
    query: PageQuery,
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
};

export const contacts = defineModule({
  name: 'contacts',
  tags: {
    Contacts: 'The address book: customers, former customers, prospects and leads.',
    Companies: 'Organisations and the contacts who work there.',
  },
  functions: [
    {
      name: 'contacts-api',
      entry: 'functions/http/contacts.ts',
      description: 'The address book over HTTP.',
      permissions: ['table:tenant'],
    },
  ],
  routes: contactRoutes,
});

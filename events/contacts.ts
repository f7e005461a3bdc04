import * as z from 'zod/mini';
import { defineEvent } from './define.ts';

export const ContactCreated = defineEvent(
  'contacts',
  'ContactCreated',
  'A contact was added to the address book.',
  z.object({
    contactId: z.string(),
    ownerId: z.optional(z.string()),
    lifecycleStage: z.string(),
    email: z.optional(z.string()),
  }),
);

export const ContactUpdated = defineEvent(
  'contacts',
  'ContactUpdated',
  'A contact changed; `fields` names the fields that changed.',
  z.object({
    contactId: z.string(),
    fields: z.array(z.string()),
    ownerId: z.optional(z.string()),
    lifecycleStage: z.string(),
  }),
);

export const CompanyCreated = defineEvent(
  'contacts',
  'CompanyCreated',
  'A company was added to the address book.',
  z.object({ companyId: z.string(), ownerId: z.optional(z.string()) }),
);

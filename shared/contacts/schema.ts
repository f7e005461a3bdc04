import * as z from 'zod/mini';
import { Email, Id, IsoDateTime, NonEmpty, named } from '../platform/schema.ts';

export const LIFECYCLE_STAGES = ['lead', 'prospect', 'customer', 'former'] as const;
export const LifecycleStage = named('LifecycleStage', z.enum(LIFECYCLE_STAGES));

const Tag = z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50));

export const Contact = named(
  'Contact',
  z.object({
    id: Id,
    firstName: z.string(),
    lastName: z.string(),
    email: z.optional(z.string()),
    companyId: z.optional(Id),
    /** The member who owns the relationship: tasks and reminders about the contact go to them. */
    ownerId: z.optional(Id),
    lifecycleStage: LifecycleStage,
    tags: z.array(z.string()),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'A person in the address book: customer, former customer, prospect or lead.',
);
export type Contact = z.infer<typeof Contact>;

export const ContactCreate = named(
  'ContactCreate',
  z.object({
    firstName: NonEmpty(100),
    lastName: NonEmpty(100),
    email: z.optional(Email),
    companyId: z.optional(Id),
    ownerId: z.optional(Id),
    lifecycleStage: z._default(LifecycleStage, 'lead'),
    tags: z._default(z.array(Tag).check(z.maxLength(50)), []),
  }),
);
export type ContactCreate = z.infer<typeof ContactCreate>;

export const ContactUpdate = named(
  'ContactUpdate',
  z.object({
    firstName: z.optional(NonEmpty(100)),
    lastName: z.optional(NonEmpty(100)),
    email: z.optional(z.nullable(Email)),
    companyId: z.optional(z.nullable(Id)),
    ownerId: z.optional(z.nullable(Id)),
    lifecycleStage: z.optional(LifecycleStage),
    tags: z.optional(z.array(Tag).check(z.maxLength(50))),
  }),
);
export type ContactUpdate = z.infer<typeof ContactUpdate>;

const Domain = z
  .string()
  .check(
    z.trim(),
    z.toLowerCase(),
    z.regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, { message: 'Must be a domain name such as example.com.' }),
  );

export const Company = named(
  'Company',
  z.object({
    id: Id,
    name: z.string(),
    domain: z.optional(z.string()),
    ownerId: z.optional(Id),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'An organisation contacts belong to.',
);
export type Company = z.infer<typeof Company>;

export const CompanyCreate = named(
  'CompanyCreate',
  z.object({ name: NonEmpty(200), domain: z.optional(Domain), ownerId: z.optional(Id) }),
);
export type CompanyCreate = z.infer<typeof CompanyCreate>;

export const TIMELINE_KINDS = [
  'call',
  'meeting',
  'note',
  'email',
  'change',
  'purchase',
  'quote',
  'deal',
  'invoice',
  'payment',
  'dunning',
  'task',
  'campaign',
  'survey_response',
  'self_service',
] as const;

export const TimelineEntry = named(
  'TimelineEntry',
  z.object({
    id: Id,
    contactId: Id,
    at: IsoDateTime,
    kind: z.enum(TIMELINE_KINDS),
    title: z.string(),
    summary: z.optional(z.string()),
    /** The record the entry is about (an activity, an invoice, a survey response...). */
    ref: z.optional(z.object({ type: z.string(), id: z.string() })),
    actor: z.string(),
  }),
  'Something that happened with a contact.',
);
export type TimelineEntry = z.infer<typeof TimelineEntry>;

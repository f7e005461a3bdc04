import { Email, Id, IsoDateTime, NonEmpty, named, z } from '../platform/schema.ts';

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

import * as z from 'zod/mini';
import { Locale } from '../platform/i18n/schema.ts';
import { lazy } from '../platform/lazy.ts';
import { DomainName, Email, Id, IsoDateTime, NonEmpty, named, StorableNumber } from '../platform/schema.ts';
import { secretField } from '../platform/secret-fields.ts';
import { BestTimeToCall, WEEKDAYS } from './best-time.ts';
import { CONSENT_STATUSES, LIFECYCLE_STAGES } from './vocabulary.ts';

export { BestTimeToCall, CONSENT_STATUSES, LIFECYCLE_STAGES, WEEKDAYS };

export const LifecycleStage = named(
  'LifecycleStage',
  lazy(() => z.enum(LIFECYCLE_STAGES)),
);
export type LifecycleStage = z.infer<typeof LifecycleStage>;

const Tag = lazy(() => z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50)));

/** Limits that keep every contact write inside one transaction (index items included). */
export const LIMITS = { tags: 50, emails: 5, phones: 5, addresses: 5 } as const;

const Country = lazy(() =>
  z
    .string()
    .check(
      z.trim(),
      z.toUpperCase(),
      z.regex(/^[A-Z]{2}$/, { message: 'Must be an ISO 3166-1 alpha-2 code such as FR.' }),
    ),
);

export const Address = named(
  'Address',
  lazy(() =>
    z.object({
      type: z._default(z.enum(['work', 'home', 'billing', 'shipping', 'other']), 'work'),
      lines: z._default(z.array(NonEmpty(200)).check(z.maxLength(4)), []),
      city: z.optional(NonEmpty(100)),
      postalCode: z.optional(z.string().check(z.trim(), z.maxLength(20))),
      region: z.optional(NonEmpty(100)),
      country: Country,
    }),
  ),
  'A postal address; only the country is required (what CRM exports often hold is a city and a country). `region` is a state, province or administrative area.',
);
export type Address = z.infer<typeof Address>;

export const PhoneInput = named(
  'PhoneInput',
  lazy(() =>
    z.object({
      /** As typed; stored in E.164. Without a country code the number is read in the contact's country. */
      number: z
        .string()
        .check(z.trim(), z.minLength(3, { message: 'Must be a phone number.' }), z.maxLength(40)),
      type: z._default(z.enum(['mobile', 'work', 'home', 'other']), 'mobile'),
    }),
  ),
);
export const Phone = named(
  'Phone',
  lazy(() => z.object({ number: z.string(), type: z.enum(['mobile', 'work', 'home', 'other']) })),
  'A phone number in E.164 form, such as +33612345678.',
);
export type Phone = z.infer<typeof Phone>;

export const MarketingConsent = named(
  'MarketingConsent',
  lazy(() =>
    z.object({
      status: z.enum(CONSENT_STATUSES),
      /** Where the consent was collected: a web form, a call, the self-service page, an import. */
      source: z.string(),
      at: IsoDateTime,
    }),
  ),
);
export type MarketingConsent = z.infer<typeof MarketingConsent>;
export const MarketingConsentInput = named(
  'MarketingConsentInput',
  lazy(() =>
    z.object({
      status: z.enum(CONSENT_STATUSES),
      source: NonEmpty(100),
      /** Defaults to the time of the change. */
      at: z.optional(IsoDateTime),
    }),
  ),
);

export const INCOME_BANDS = ['under_25k', '25k_50k', '50k_100k', '100k_200k', 'over_200k'] as const;
export const Demographics = named(
  'Demographics',
  lazy(() =>
    z.object({
      birthYear: z.optional(z.int().check(z.minimum(1900), z.maximum(2100))),
      gender: z.optional(z.enum(['female', 'male', 'non_binary', 'undisclosed'])),
      householdIncomeBand: z.optional(z.enum(INCOME_BANDS)),
    }),
  ),
  'Optional, used only by analytics; leave out what the contact did not share.',
);

export const CustomFieldValue = lazy(() => z.union([z.string(), StorableNumber, z.boolean()]));
export type CustomFieldValue = z.infer<typeof CustomFieldValue>;
const CustomFieldValues = lazy(() => z.record(z.string(), CustomFieldValue));

export const Contact = named(
  'Contact',
  lazy(() =>
    z.object({
      id: Id,
      firstName: z.string(),
      lastName: z.string(),
      /** The primary email: unique in the tenant, case-insensitive. */
      email: z.optional(z.string()),
      /** More addresses of the same person (found by exact-email search, not unique). */
      emails: z.array(z.string()),
      phones: z.array(Phone),
      addresses: z.array(Address),
      companyId: z.optional(Id),
      /** The member who owns the relationship: tasks and reminders about the contact go to them. */
      ownerId: z.optional(Id),
      lifecycleStage: LifecycleStage,
      bestTimeToCall: z.optional(BestTimeToCall),
      tags: z.array(z.string()),
      /** Values of the tenant's custom fields (GET /v1/contact-fields), by field key. */
      customFields: CustomFieldValues,
      marketingConsent: z.optional(MarketingConsent),
      demographics: z.optional(Demographics),
      /** The contact's own locale for the mail and pages they receive; the tenant's when absent. */
      locale: z.optional(Locale),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A person in the address book: customer, former customer, prospect or lead.',
);
export type Contact = z.infer<typeof Contact>;

const contactInputFields = {
  emails: lazy(() => z.array(Email).check(z.maxLength(LIMITS.emails))),
  phones: lazy(() => z.array(PhoneInput).check(z.maxLength(LIMITS.phones))),
  addresses: lazy(() => z.array(Address).check(z.maxLength(LIMITS.addresses))),
  bestTimeToCall: BestTimeToCall,
  customFields: lazy(() => z.record(z.string().check(z.maxLength(40)), z.nullable(CustomFieldValue))),
  marketingConsent: MarketingConsentInput,
  demographics: Demographics,
};

export const ContactCreate = named(
  'ContactCreate',
  lazy(() =>
    z.object({
      firstName: NonEmpty(100),
      lastName: NonEmpty(100),
      email: z.optional(Email),
      companyId: z.optional(Id),
      ownerId: z.optional(Id),
      lifecycleStage: z._default(LifecycleStage, 'lead'),
      tags: z._default(z.array(Tag).check(z.maxLength(LIMITS.tags)), []),
      emails: z.optional(contactInputFields.emails),
      phones: z.optional(contactInputFields.phones),
      addresses: z.optional(contactInputFields.addresses),
      bestTimeToCall: z.optional(contactInputFields.bestTimeToCall),
      customFields: z.optional(contactInputFields.customFields),
      marketingConsent: z.optional(contactInputFields.marketingConsent),
      demographics: z.optional(contactInputFields.demographics),
      locale: z.optional(Locale),
    }),
  ),
);
export type ContactCreate = z.infer<typeof ContactCreate>;

export const ContactUpdate = named(
  'ContactUpdate',
  lazy(() =>
    z.object({
      firstName: z.optional(NonEmpty(100)),
      lastName: z.optional(NonEmpty(100)),
      email: z.optional(z.nullable(Email)),
      companyId: z.optional(z.nullable(Id)),
      ownerId: z.optional(z.nullable(Id)),
      lifecycleStage: z.optional(LifecycleStage),
      tags: z.optional(z.array(Tag).check(z.maxLength(LIMITS.tags))),
      emails: z.optional(contactInputFields.emails),
      phones: z.optional(contactInputFields.phones),
      addresses: z.optional(contactInputFields.addresses),
      bestTimeToCall: z.optional(z.nullable(contactInputFields.bestTimeToCall)),
      /** Merged into the current values; `null` removes a value. */
      customFields: z.optional(contactInputFields.customFields),
      marketingConsent: z.optional(contactInputFields.marketingConsent),
      demographics: z.optional(z.nullable(contactInputFields.demographics)),
      /** `null` goes back to the tenant's locale. */
      locale: z.optional(z.nullable(Locale)),
    }),
  ),
);
export type ContactUpdate = z.infer<typeof ContactUpdate>;

export const Company = named(
  'Company',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      domain: z.optional(z.string()),
      industry: z.optional(z.string()),
      region: z.optional(z.string()),
      addresses: z.optional(z.array(Address)),
      ownerId: z.optional(Id),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'An organisation contacts belong to.',
);
export type Company = z.infer<typeof Company>;

export const CompanyCreate = named(
  'CompanyCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(200),
      domain: z.optional(DomainName),
      ownerId: z.optional(Id),
      industry: z.optional(NonEmpty(100)),
      region: z.optional(NonEmpty(100)),
      addresses: z.optional(z.array(Address).check(z.maxLength(LIMITS.addresses))),
    }),
  ),
);
export type CompanyCreate = z.infer<typeof CompanyCreate>;

export const CompanyUpdate = named(
  'CompanyUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      domain: z.optional(z.nullable(DomainName)),
      ownerId: z.optional(z.nullable(Id)),
      industry: z.optional(z.nullable(NonEmpty(100))),
      region: z.optional(z.nullable(NonEmpty(100))),
      addresses: z.optional(z.array(Address).check(z.maxLength(LIMITS.addresses))),
    }),
  ),
);
export type CompanyUpdate = z.infer<typeof CompanyUpdate>;

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
  'case',
] as const;

export const TimelineEntry = named(
  'TimelineEntry',
  lazy(() =>
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
  ),
  'Something that happened with a contact.',
);
export type TimelineEntry = z.infer<typeof TimelineEntry>;

// Custom fields

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'choice'] as const;
export const CustomFieldKey = lazy(() =>
  z.string().check(
    z.regex(/^[a-z][a-z0-9_]{0,39}$/, {
      message: 'Must be 1 to 40 of a-z, 0-9 and _, starting with a letter.',
    }),
  ),
);

export const CustomFieldDefinition = named(
  'CustomFieldDefinition',
  lazy(() =>
    z.object({
      key: z.string(),
      label: z.string(),
      type: z.enum(CUSTOM_FIELD_TYPES),
      /** The allowed values of a `choice` field. */
      choices: z.optional(z.array(z.string())),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
    }),
  ),
  'A field the tenant added to its contacts.',
);
export type CustomFieldDefinition = z.infer<typeof CustomFieldDefinition>;

export const CustomFieldDefine = named(
  'CustomFieldDefine',
  lazy(() =>
    z
      .object({
        label: NonEmpty(100),
        type: z.enum(CUSTOM_FIELD_TYPES),
        choices: z.optional(z.array(NonEmpty(100)).check(z.minLength(1), z.maxLength(100))),
      })
      .check(
        z.refine((v) => (v.type === 'choice') === (v.choices !== undefined), {
          message: 'A choice field needs `choices`; other types take none.',
          path: ['choices'],
        }),
      ),
  ),
);
export type CustomFieldDefine = z.infer<typeof CustomFieldDefine>;

// Change history

export const HistoryActor = named(
  'HistoryActor',
  lazy(() =>
    z.object({
      type: z.enum(['member', 'contact', 'import', 'automation', 'system', 'public']),
      memberId: z.optional(z.string()),
      keyId: z.optional(z.string()),
      contactId: z.optional(z.string()),
      importId: z.optional(z.string()),
      ruleId: z.optional(z.string()),
      process: z.optional(z.string()),
    }),
  ),
  'Who made a change: a member (through an API key), the contact (self-service), an import, an automation rule, or the system.',
);
export type HistoryActor = z.infer<typeof HistoryActor>;

export const FieldChange = lazy(() => z.object({ from: z.unknown(), to: z.unknown() }));

export const HistoryEntry = named(
  'HistoryEntry',
  lazy(() =>
    z.object({
      id: Id,
      at: IsoDateTime,
      subject: z.object({ type: z.enum(['contact', 'company']), id: Id }),
      action: z.enum(['created', 'updated', 'merged']),
      actor: HistoryActor,
      /** Each changed field with its old and new value (`null` when absent). */
      changes: z.record(z.string(), FieldChange),
    }),
  ),
  'One change to a contact or company.',
);
export type HistoryEntry = z.infer<typeof HistoryEntry>;

// Imports

export const IMPORT_STATUSES = ['receiving', 'queued', 'running', 'completed'] as const;
export const Import = named(
  'Import',
  lazy(() =>
    z.object({
      id: Id,
      status: z.enum(IMPORT_STATUSES),
      dryRun: z.boolean(),
      /** How many parts the upload has; parts 2..n arrive at POST /v1/imports/{id}/parts. */
      parts: z.int(),
      receivedParts: z.array(z.int()),
      /** The CSV header's columns and the contact field each one fills (absent when ignored). */
      columns: z.array(z.object({ header: z.string(), field: z.optional(z.string()) })),
      totalRows: z.int(),
      processedRows: z.int(),
      created: z.int(),
      updated: z.int(),
      unchanged: z.int(),
      failed: z.int(),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      completedAt: z.optional(IsoDateTime),
    }),
  ),
  'A CSV import: its upload, progress and outcome. In a dry run, `created`/`updated` say what would happen.',
);
export type Import = z.infer<typeof Import>;

export const ImportRowError = named(
  'ImportRowError',
  lazy(() =>
    z.object({
      line: z.int(),
      errors: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  ),
  'A row that was not imported, with its line number in the file (the header is line 1).',
);
export type ImportRowError = z.infer<typeof ImportRowError>;

// Self-service

export const SelfServiceLink = named(
  'SelfServiceLink',
  lazy(() => z.object({ url: secretField(z.string()), expiresAt: IsoDateTime })),
  'A link to send the contact; it opens a form where they correct their data and consent.',
);

export const SelfServiceLinkMail = named(
  'SelfServiceLinkMail',
  lazy(() =>
    z.object({
      status: z.enum(['sent', 'suppressed', 'blocked']),
      to: z.string(),
      expiresAt: z.optional(IsoDateTime),
      messageId: z.optional(z.string()),
      reason: z.optional(z.string()),
    }),
  ),
  'What became of the email: sent (with the expiry of the link), or not sent because the address is suppressed or sending is blocked for the tenant.',
);

// Merge

export const ContactMerge = named(
  'ContactMerge',
  lazy(() =>
    z.object({
      /** The duplicate: its history, activities and timeline move to this contact, then it is removed. */
      duplicateId: Id,
    }),
  ),
);

export const MergeStatus = named(
  'MergeStatus',
  lazy(() =>
    z.object({
      contactId: Id,
      duplicateId: Id,
      status: z.enum(['merging', 'merged']),
    }),
  ),
);

export const ContactSearchQuery = lazy(() =>
  z.object({
    email: z.optional(Email),
    phone: z.optional(z.string().check(z.trim(), z.minLength(3), z.maxLength(40))),
    namePrefix: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    tag: z.optional(Tag),
    lifecycleStage: z.optional(LifecycleStage),
    ownerId: z.optional(Id),
    country: z.optional(Country),
    region: z.optional(NonEmpty(100)),
    companyId: z.optional(Id),
  }),
);
export type ContactSearchQuery = z.infer<typeof ContactSearchQuery>;

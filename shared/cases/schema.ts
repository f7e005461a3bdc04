import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Email, Id, IsoDate, IsoDateTime, Limit, NonEmpty, named } from '../platform/schema.ts';

/**
 * Cases and their conversations (docs/contact-centre.md). Every property carries a description and
 * an example: support tools integrate against this part of the reference.
 */
const doc = (description: string, example: unknown) => z.meta({ description, examples: [example] });

const CASE_ID = '01JE2K7Q8R9S0T1V2W3X4Y5Z6A';
const CONTACT_ID = '01JE2K6A1B2C3D4E5F6G7H8J9K';
const MEMBER_ID = '01JE2K5M6N7P8Q9R0S1T2V3W4X';
const MESSAGE_ID = '01JE2K7R0A1B2C3D4E5F6G7H8J';
const DOCUMENT_ID = '01JE2K7R1C2D3E4F5G6H7J8K9M';
const AT = '2026-03-02T09:30:00.000Z';

export const CASE_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type CasePriority = (typeof CASE_PRIORITIES)[number];
export const CASE_CHANNELS = ['email', 'web', 'phone', 'api'] as const;
export type CaseChannel = (typeof CASE_CHANNELS)[number];

const Status = z
  .enum(CASE_STATUSES)
  .check(
    doc(
      '`new` until someone works on it, `open`, `pending` on the customer (SLA clocks pause), `on_hold` on a third party, `solved` (a customer reply reopens it), `closed` (final: a reply opens a follow-up case).',
      'open',
    ),
  );
const Priority = z
  .enum(CASE_PRIORITIES)
  .check(doc('How urgent the case is; SLA targets follow it.', 'normal'));
const Channel = z
  .enum(CASE_CHANNELS)
  .check(doc('Where the case came from: an email, the contact form, a call or the API.', 'email'));
const Tag = lazy(() => z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50)));
const Tags = z
  .array(Tag)
  .check(z.maxLength(20), doc('Labels for routing and reports, lower case.', ['billing', 'vip']));

const Links = lazy(() =>
  z.object({
    orderIds: z.optional(z.array(Id).check(z.maxLength(20), doc('Orders the case is about.', [CASE_ID]))),
    invoiceIds: z.optional(z.array(Id).check(z.maxLength(20), doc('Invoices the case is about.', [CASE_ID]))),
    dealIds: z.optional(z.array(Id).check(z.maxLength(20), doc('Deals the case is about.', [CASE_ID]))),
    productIds: z.optional(z.array(Id).check(z.maxLength(20), doc('Products the case is about.', [CASE_ID]))),
  }),
);

const CLOCK = { startedAt: AT, targetMinutes: 480, warnAt: AT, dueAt: AT };
const SlaClock = lazy(() =>
  z.object({
    startedAt: IsoDateTime.check(doc('When the clock started.', AT)),
    targetMinutes: z.int().check(doc('The target in business minutes, fixed when the clock started.', 480)),
    warnAt: IsoDateTime.check(doc('When 80% of the business time is used.', AT)),
    dueAt: IsoDateTime.check(
      doc('The target. While paused, where it stood; it moves on by the pause when the clock resumes.', AT),
    ),
    warnedAt: z.optional(IsoDateTime.check(doc('The warning, at its instant.', AT))),
    breachedAt: z.optional(IsoDateTime.check(doc('The target was missed: its instant.', AT))),
    pausedAt: z.optional(
      IsoDateTime.check(doc('Paused since (the case waits on the customer, or is solved).', AT)),
    ),
    metAt: z.optional(
      IsoDateTime.check(doc('When the target was reached (a reply; `solved` for the resolution).', AT)),
    ),
    stoppedAt: z.optional(IsoDateTime.check(doc('The case closed before the target was reached.', AT))),
  }),
);

export const Case = named(
  'Case',
  lazy(() =>
    z.object({
      id: Id.check(doc('The case id.', CASE_ID)),
      number: z
        .int()
        .check(doc('The human reference, `#<number>` in mail subjects; per tenant, from 1.', 1042)),
      subject: z
        .string()
        .check(doc("The case's subject: the first email's, or the form's.", 'Invoice 2026-0042 is wrong')),
      status: Status,
      priority: Priority,
      channel: Channel,
      contactId: z.optional(
        Id.check(doc('The customer: matched by email, or created as a lead.', CONTACT_ID)),
      ),
      companyId: z.optional(Id.check(doc("The customer's company, when the contact has one.", CONTACT_ID))),
      requester: z
        .object({
          name: z.string().check(doc('The name the customer gave, possibly empty.', 'Ada Lovelace')),
          email: z.optional(
            z.string().check(doc("The customer's address replies go to.", 'ada@example.com')),
          ),
        })
        .check(doc('Who wrote in, as they wrote it.', { name: 'Ada Lovelace', email: 'ada@example.com' })),
      assigneeId: z.optional(Id.check(doc('The member working on the case.', MEMBER_ID))),
      teamId: z.optional(Id.check(doc('The team that owns the case.', MEMBER_ID))),
      tags: Tags,
      links: Links.check(doc('Records the case is about.', { orderIds: [CASE_ID] })),
      messageCount: z.int().check(doc('Messages and notes in the conversation.', 3)),
      lastMessageAt: IsoDateTime.check(doc('When the last message or note was added.', AT)),
      lastCustomerMessageId: z.optional(
        Id.check(doc("The customer's latest message, quoted under replies.", MESSAGE_ID)),
      ),
      firstResponseAt: z.optional(IsoDateTime.check(doc('When an agent first replied to the customer.', AT))),
      solvedAt: z.optional(IsoDateTime.check(doc('When the case was last solved.', AT))),
      sla: z.optional(
        z
          .object({
            firstResponse: z.optional(
              SlaClock.check(doc('From the opening to the first public reply or outbound call.', CLOCK)),
            ),
            nextResponse: z.optional(
              SlaClock.check(
                doc(
                  "From the customer's latest unanswered message (after the first reply) to the next reply.",
                  CLOCK,
                ),
              ),
            ),
            resolution: z.optional(SlaClock.check(doc('From the opening to `solved`.', CLOCK))),
          })
          .check(
            doc(
              'SLA clocks in business time, paused while `pending` or `solved`; a breach raises the priority.',
              {
                firstResponse: CLOCK,
              },
            ),
          ),
      ),
      closesAt: z.optional(
        IsoDateTime.check(
          doc(
            'When this solved case closes by itself (`closeSolvedAfterDays` of the case settings); a customer reply before then reopens it.',
            AT,
          ),
        ),
      ),
      followUpOf: z.optional(Id.check(doc('The closed case this one follows up.', CASE_ID))),
      personErasedAt: z.optional(
        IsoDateTime.check(
          doc(
            "When the customer's contact was erased: the case lost who they were and what was written.",
            AT,
          ),
        ),
      ),
      replyTo: z
        .string()
        .check(
          doc(
            'The address replies to this case go to; it threads them onto it.',
            '01je...+01je...@support.example.com',
          ),
        ),
      createdAt: IsoDateTime.check(doc('When the case was opened.', AT)),
      updatedAt: IsoDateTime.check(doc('When the case last changed.', AT)),
      version: z.int().check(doc('The version, for If-Match.', 4)),
    }),
  ),
  'A customer request, from any channel, with a team, an assignee and a clock.',
);
export type Case = z.infer<typeof Case>;

const Mailbox = lazy(() =>
  z.object({
    name: z.string().check(doc('The display name, possibly empty.', 'Ada Lovelace')),
    email: z.string().check(doc('The address.', 'ada@example.com')),
  }),
);

export const CaseMessage = named(
  'CaseMessage',
  lazy(() =>
    z.object({
      id: Id.check(doc('The message id.', MESSAGE_ID)),
      caseId: Id.check(doc('The case it belongs to.', CASE_ID)),
      direction: z.enum(['in', 'out']).check(doc('`in` from the customer, `out` from an agent.', 'in')),
      visibility: z
        .enum(['public', 'internal'])
        .check(doc('`internal` notes are seen by members only and never mailed.', 'public')),
      channel: Channel,
      from: z.optional(
        Mailbox.check(doc('Who sent it (mail).', { name: 'Ada Lovelace', email: 'ada@example.com' })),
      ),
      authorId: z.optional(Id.check(doc('The member who wrote it.', MEMBER_ID))),
      subject: z.string().check(doc('The subject line.', 'Re: Invoice 2026-0042 is wrong [#1042]')),
      text: z
        .string()
        .check(
          doc(
            'The body as plain text, without the quoted history of a reply.',
            'The total is off by 10 EUR.',
          ),
        ),
      truncated: z.optional(
        z.boolean().check(doc('The body was longer than 64 KB and is cut; the raw mail is kept.', false)),
      ),
      documentIds: z.array(Id).check(doc('Attachments, as documents.', [DOCUMENT_ID])),
      mailMessageId: z.optional(
        z
          .string()
          .check(
            doc('The RFC 5322 Message-ID of the mail.', '<01je2k7r0a1b2c3d4e5f6g7h8j@support.example.com>'),
          ),
      ),
      inReplyTo: z.optional(
        z.string().check(doc('The Message-ID this mail answers.', '<CAF=abc@mail.example.com>')),
      ),
      call: z.optional(
        z
          .object({
            phoneNumber: z.optional(
              z.string().check(doc('The number on the other end.', '+33 1 23 45 67 89')),
            ),
            durationSeconds: z.int().check(doc('How long the call lasted.', 320)),
          })
          .check(doc('The call, for a message logged from the phone.', { durationSeconds: 320 })),
      ),
      delivery: z.optional(
        z
          .enum(['sending', 'sent', 'suppressed', 'blocked', 'failed'])
          .check(doc('What became of an outgoing reply.', 'sent')),
      ),
      deliveryReason: z.optional(
        z.string().check(doc('Why a reply was not sent.', 'The address bounced before.')),
      ),
      createdAt: IsoDateTime.check(doc('When it was received or written.', AT)),
    }),
  ),
  'One message of a case: an email or form in, a reply out, or an internal note.',
);
export type CaseMessage = z.infer<typeof CaseMessage>;

export const CaseCreate = named(
  'CaseCreate',
  lazy(() =>
    z.object({
      subject: NonEmpty(300).check(doc('What the case is about.', 'Cannot log in')),
      text: z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(65_536),
          doc("The customer's request.", 'My password reset mail never arrives.'),
        ),
      channel: z
        ._default(z.enum(['api', 'phone']), 'api')
        .check(doc('`phone` for a call logged by an agent.', 'api')),
      priority: z._default(Priority, 'normal'),
      contactId: z.optional(Id.check(doc('The customer, if known.', CONTACT_ID))),
      requesterEmail: z.optional(
        Email.check(
          doc('The customer by address: matched to a contact, or a lead is created.', 'ada@example.com'),
        ),
      ),
      requesterName: z.optional(
        NonEmpty(200).check(doc("The customer's name, for a new lead.", 'Ada Lovelace')),
      ),
      tags: z._default(Tags, []),
      links: z.optional(Links.check(doc('Records the case is about.', { orderIds: [CASE_ID] }))),
      acknowledge: z
        ._default(z.boolean(), false)
        .check(doc('Mail the customer an acknowledgement with the case reference.', false)),
    }),
  ),
);
export type CaseCreate = z.infer<typeof CaseCreate>;

export const CaseUpdate = named(
  'CaseUpdate',
  lazy(() =>
    z.object({
      status: z.optional(Status),
      priority: z.optional(Priority),
      assigneeId: z.optional(z.nullable(Id.check(doc('The member to assign; null unassigns.', MEMBER_ID)))),
      tags: z.optional(Tags),
      subject: z.optional(NonEmpty(300).check(doc('A clearer subject.', 'Login: reset mail not arriving'))),
    }),
  ),
);
export type CaseUpdate = z.infer<typeof CaseUpdate>;

export const CaseReply = named(
  'CaseReply',
  lazy(() =>
    z.object({
      text: z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(65_536),
          doc(
            "The reply as plain text; the customer's last message is quoted under it.",
            'Thanks, we corrected the invoice.',
          ),
        ),
      visibility: z
        ._default(z.enum(['public', 'internal']), 'public')
        .check(doc('`internal` writes a note that is never mailed.', 'public')),
      status: z.optional(
        z
          .enum(['open', 'pending', 'on_hold', 'solved'])
          .check(
            doc(
              'The status to set with the reply (e.g. `pending` while waiting on the customer).',
              'pending',
            ),
          ),
      ),
    }),
  ),
);
export type CaseReply = z.infer<typeof CaseReply>;

export const CaseListQuery = lazy(() =>
  z.object({
    status: z.optional(z.enum(CASE_STATUSES)),
    contactId: z.optional(Id),
    limit: Limit,
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  }),
);
export type CaseListQuery = z.infer<typeof CaseListQuery>;

const LocalTime = lazy(() =>
  z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'Must be a local time HH:mm.' })),
);
const OpeningHours = lazy(() =>
  z.object({
    opens: LocalTime.check(doc('When the team starts answering, local time.', '09:00')),
    closes: LocalTime.check(doc('When it stops, local time (after `opens`).', '17:00')),
  }),
);
const weekday = (name: string) =>
  z.optional(
    OpeningHours.check(
      doc(`Opening hours on ${name}; absent when closed.`, { opens: '09:00', closes: '17:00' }),
    ),
  );

/** At most a year of business minutes at 24/7: a target nobody can miss is no target. */
const TargetMinutes = lazy(() => z.int().check(z.minimum(1), z.maximum(525_600)));
const SlaTarget = (priority: string, example: Record<string, number>) =>
  z
    .object({
      firstResponse: TargetMinutes.check(
        doc('Business minutes to the first public reply.', example.firstResponse),
      ),
      nextResponse: TargetMinutes.check(
        doc("Business minutes from a customer's later message to the next reply.", example.nextResponse),
      ),
      resolution: TargetMinutes.check(
        doc('Business minutes from the opening to `solved`.', example.resolution),
      ),
    })
    .check(doc(`Targets of ${priority} cases.`, example));

export const CaseSettings = named(
  'CaseSettings',
  lazy(() =>
    z.object({
      week: z
        .object({
          '1': weekday('Monday'),
          '2': weekday('Tuesday'),
          '3': weekday('Wednesday'),
          '4': weekday('Thursday'),
          '5': weekday('Friday'),
          '6': weekday('Saturday'),
          '7': weekday('Sunday'),
        })
        .check(
          doc(
            "Opening hours per ISO weekday (1 = Monday), in the tenant's time zone: SLA clocks run only then.",
            {
              '1': { opens: '09:00', closes: '17:00' },
            },
          ),
        ),
      holidays: z
        .array(IsoDate)
        .check(z.maxLength(366), doc('Local dates the team does not work; SLA clocks stop.', ['2026-12-25'])),
      slaTargets: z.optional(
        z
          .object({
            urgent: SlaTarget('urgent', { firstResponse: 60, nextResponse: 120, resolution: 480 }),
            high: SlaTarget('high', { firstResponse: 240, nextResponse: 240, resolution: 960 }),
            normal: SlaTarget('normal', { firstResponse: 480, nextResponse: 480, resolution: 2400 }),
            low: SlaTarget('low', { firstResponse: 1440, nextResponse: 1440, resolution: 4800 }),
          })
          .check(
            doc('The SLA policy: targets per priority in business minutes; the defaults when absent.', {
              urgent: { firstResponse: 60, nextResponse: 120, resolution: 480 },
              high: { firstResponse: 240, nextResponse: 240, resolution: 960 },
              normal: { firstResponse: 480, nextResponse: 480, resolution: 2400 },
              low: { firstResponse: 1440, nextResponse: 1440, resolution: 4800 },
            }),
          ),
      ),
      closeSolvedAfterDays: z.optional(
        z
          .int()
          .check(
            z.minimum(1),
            z.maximum(365),
            doc(
              'Days after which a solved case closes (4 when absent): a customer reply after that opens a follow-up case.',
              4,
            ),
          ),
      ),
      csatSurveyId: z.optional(
        Id.check(doc('The survey mailed to the customer when a case is solved (an active survey).', CASE_ID)),
      ),
    }),
  ),
  'How the contact centre works: the SLA policy (targets per priority, opening hours, holidays), the satisfaction survey.',
);
export type CaseSettings = z.infer<typeof CaseSettings>;

export const CaseCall = named(
  'CaseCall',
  lazy(() =>
    z.object({
      direction: z
        .enum(['inbound', 'outbound'])
        .check(
          doc(
            '`inbound`: the customer called; `outbound`: an agent called them (a first response).',
            'outbound',
          ),
        ),
      phoneNumber: z.optional(
        z
          .string()
          .check(
            z.trim(),
            z.minLength(3),
            z.maxLength(40),
            doc('The number on the other end.', '+33 1 23 45 67 89'),
          ),
      ),
      durationSeconds: z.int().check(z.minimum(0), z.maximum(86_400), doc('How long the call lasted.', 320)),
      notes: z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(65_536),
          doc('What was said and agreed.', 'Explained the credit note; customer agrees.'),
        ),
    }),
  ),
);
export type CaseCall = z.infer<typeof CaseCall>;

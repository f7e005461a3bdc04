import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Email, Id, IsoDateTime, NonEmpty, named } from '../platform/schema.ts';
import { secretField } from '../platform/secret-fields.ts';
import { BestTimeToCall } from './best-time.ts';

/**
 * Activities (calls, meetings, notes, logged emails) and the calendar: served by activities-api,
 * apart from the address book's schemas so that neither function builds the other's at cold start.
 */

export const ACTIVITY_TYPES = ['call', 'meeting', 'note', 'email'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

const activityLinks = {
  /** At least one contact or company. */
  contactIds: lazy(() => z.array(Id).check(z.maxLength(20))),
  companyId: lazy(() => z.optional(Id)),
  /** Records of other modules the activity is about. */
  dealId: lazy(() => z.optional(Id)),
  invoiceId: lazy(() => z.optional(Id)),
};

const CallDetails = lazy(() =>
  z.object({
    direction: z.enum(['inbound', 'outbound']),
    /** When the call took place or is scheduled. */
    at: IsoDateTime,
    durationSeconds: z.optional(z.int().check(z.minimum(0), z.maximum(86_400))),
    purpose: z.optional(NonEmpty(200)),
    outcome: z.optional(z.enum(['connected', 'no_answer', 'voicemail', 'busy', 'wrong_number', 'scheduled'])),
    notes: z.optional(z.string().check(z.maxLength(10_000))),
  }),
);

const MeetingDetails = lazy(() =>
  z.object({
    title: NonEmpty(200),
    start: IsoDateTime,
    end: IsoDateTime,
    location: z.optional(NonEmpty(300)),
    /** Members attending (the meeting is in their calendars too); contacts attending are the activity's contacts. */
    attendeeMemberIds: z._default(z.array(Id).check(z.maxLength(20)), []),
    /** People attending who are not in the address book. */
    otherAttendees: z._default(z.array(Email).check(z.maxLength(50)), []),
    notes: z.optional(z.string().check(z.maxLength(10_000))),
  }),
);

const NoteDetails = lazy(() =>
  z.object({
    body: z.string().check(z.trim(), z.minLength(1), z.maxLength(20_000)),
    at: z.optional(IsoDateTime),
  }),
);

const EmailDetails = lazy(() =>
  z.object({
    direction: z.enum(['inbound', 'outbound']),
    at: IsoDateTime,
    subject: z.string().check(z.maxLength(500)),
    from: Email,
    to: z.array(Email).check(z.minLength(1), z.maxLength(50)),
    body: z.optional(z.string().check(z.maxLength(50_000))),
  }),
);

export const ActivityCreate = named(
  'ActivityCreate',
  lazy(() =>
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('call'), ...activityLinks, ownerId: z.optional(Id), call: CallDetails }),
      z.object({
        type: z.literal('meeting'),
        ...activityLinks,
        ownerId: z.optional(Id),
        meeting: MeetingDetails,
      }),
      z.object({ type: z.literal('note'), ...activityLinks, ownerId: z.optional(Id), note: NoteDetails }),
      z.object({ type: z.literal('email'), ...activityLinks, ownerId: z.optional(Id), email: EmailDetails }),
    ]),
  ),
  'A call, meeting, note or logged email about contacts and/or a company. The owner defaults to the caller.',
);
export type ActivityCreate = z.infer<typeof ActivityCreate>;

export const Activity = named(
  'Activity',
  lazy(() =>
    z.object({
      id: Id,
      type: z.enum(ACTIVITY_TYPES),
      contactIds: z.array(Id),
      companyId: z.optional(Id),
      dealId: z.optional(Id),
      invoiceId: z.optional(Id),
      ownerId: z.optional(Id),
      /** When it happens: the call's time, the meeting's start, the note's or email's time. */
      at: IsoDateTime,
      call: z.optional(CallDetails),
      meeting: z.optional(MeetingDetails),
      note: z.optional(NoteDetails),
      email: z.optional(EmailDetails),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
);
export type Activity = z.infer<typeof Activity>;

export const ActivityUpdate = named(
  'ActivityUpdate',
  lazy(() =>
    z.object({
      ownerId: z.optional(z.nullable(Id)),
      call: z.optional(CallDetails),
      meeting: z.optional(MeetingDetails),
      note: z.optional(NoteDetails),
      email: z.optional(EmailDetails),
    }),
  ),
  'Replaces the details of the activity (the part matching its type).',
);
export type ActivityUpdate = z.infer<typeof ActivityUpdate>;

// Calendar

export const CalendarItem = named(
  'CalendarItem',
  lazy(() =>
    z.object({
      kind: z.enum(['meeting', 'call', 'task']),
      id: Id,
      title: z.string(),
      start: IsoDateTime,
      end: z.optional(IsoDateTime),
      ownerId: z.optional(Id),
      location: z.optional(z.string()),
      contactIds: z.array(Id),
      /** Calls only: who to call and on which number, and whether it is their best time now. */
      contact: z.optional(
        z.object({
          id: Id,
          name: z.string(),
          phone: z.optional(z.string()),
          bestTimeToCall: z.optional(BestTimeToCall),
          reachableNow: z.boolean(),
        }),
      ),
    }),
  ),
  'A meeting, a scheduled call or a due task in a calendar window.',
);
export type CalendarItem = z.infer<typeof CalendarItem>;

export const CalendarFeed = named(
  'CalendarFeed',
  lazy(() =>
    z.object({
      memberId: Id,
      url: secretField(z.string()),
      createdAt: IsoDateTime,
    }),
  ),
  'A private iCalendar address a calendar app can subscribe to. Anyone with the URL can read the calendar: revoke it if it leaks.',
);

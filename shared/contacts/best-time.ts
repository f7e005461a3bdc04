import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { named, TimeZone } from '../platform/schema.ts';

/**
 * When a contact prefers to be called: the contact's own field, and what the calendar shows on a
 * scheduled call. Apart from the contact's schema so that the calendar's does not bring it along.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const TimeOfDay = lazy(() =>
  z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'Must be HH:MM.' })),
);

export const BestTimeToCall = named(
  'BestTimeToCall',
  lazy(() =>
    z
      .object({
        days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1), z.maxLength(7)),
        from: TimeOfDay,
        to: TimeOfDay,
        timeZone: TimeZone,
      })
      .check(z.refine((v) => v.from < v.to, { message: '`from` must be before `to`.', path: ['to'] })),
  ),
  'When the contact prefers to be called, in their own time zone.',
);

import * as z from 'zod/mini';
import { lazy } from '../lazy.ts';
import { named } from '../schema.ts';
import { SUPPORTED_LOCALES } from './locales.ts';

/** A tenant's or a contact's locale; anything else is a 400 that lists the supported ones. */
export const Locale = named(
  'Locale',
  lazy(() =>
    z.enum(SUPPORTED_LOCALES, {
      error: `Must be a supported locale: ${SUPPORTED_LOCALES.join(', ')}.`,
    }),
  ),
  'The language of the texts the CRM writes, and how it writes money, dates and numbers (BCP 47).',
);

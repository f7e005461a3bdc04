import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Id, named } from '../platform/schema.ts';

/** Who receives a mailing, in marketing and in any module that mails (surveys). */
const Ids = (max: number) => z._default(z.array(Id).check(z.maxLength(max)), []);

export const Audience = named(
  'Audience',
  lazy(() =>
    z
      .object({
        lists: Ids(20),
        segments: Ids(20),
        /** Contacts in these lists or segments never receive the mail. */
        excludeLists: Ids(20),
        excludeSegments: Ids(20),
        /** Explicit recipients (e.g. a survey sample), besides lists and segments. */
        contactIds: Ids(1000),
      })
      .check(
        z.refine((a) => a.lists.length + a.segments.length + a.contactIds.length > 0, {
          message: 'Name at least one list, segment or contact.',
        }),
      ),
  ),
  'Who receives a mailing: members of the lists and segments (and explicit contacts), minus the exclusions.',
);
export type Audience = z.infer<typeof Audience>;

import type { TenantContext } from '../platform/context.ts';
import type { UnitOfWork } from '../platform/db/repository.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import type { MergeValues } from '../platform/merge-fields.ts';
import { surveyMailings } from '../surveys/survey-mailings.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { campaignMailings } from './campaign-mailings.ts';
import type { Content } from './content.ts';
import type { Mailing, MailingStatus } from './mailing-types.ts';
import type { ContactData } from './recipients.ts';

/** Who sends, and how the recipient reads: their language and formats. */
export interface Reader {
  tenant: Tenant;
  i18n: Translator;
}

/**
 * What a module that owns mailings tells the sending pipeline (docs/marketing.md, "Sending
 * pipeline for other modules"). Every hook is optional.
 */
export interface MailingKind {
  /** Merge fields this kind's content may use besides the contact's, the tenant's and the links. */
  mergeFields?: readonly string[];
  /**
   * Values of those fields for one recipient (e.g. a signed survey link), written for the
   * recipient's locale (`reader.i18n`). Called by the sender just before the email goes out, at most once
   * per recipient unless the worker crashes around it.
   */
  mergeValues?(
    ctx: TenantContext,
    mailing: Mailing,
    contact: ContactData,
    reader: Reader,
  ): Promise<MergeValues>;
  /**
   * The content in the recipient's language, when the owner's content is the product's own text
   * (a survey invitation) rather than the tenant's; undefined keeps the mailing's content.
   */
  contentFor?(mailing: Mailing, i18n: Translator): Promise<Content | undefined>;
  /**
   * Narrows each page of eligible recipients when the mailing is planned (e.g. survey sampling:
   * not surveyed in the last 90 days). Runs before send records are written.
   */
  filter?(ctx: TenantContext, mailing: Mailing, recipients: ContactData[]): Promise<ContactData[]>;
  /**
   * Writes of the owner that commit together with a change of status the pipeline makes after the
   * start (paused, sending again, sent, cancelled). The start itself the owner writes in the unit
   * of work it passes to `startMailingInto`.
   */
  onStatusChange?(
    uow: UnitOfWork,
    ctx: TenantContext,
    mailing: Mailing,
    status: MailingStatus,
    at: string,
  ): void;
}

/** One kind per line: a module registers its kind here. */
// biome-ignore format: one kind per line keeps merges of parallel work trivial
export const mailingKinds: Record<string, MailingKind> = {
  campaign: campaignMailings,
  survey: surveyMailings,
};

export function kindOf(kind: string): MailingKind {
  const found = mailingKinds[kind];
  if (!found) throw new Error(`No mailing kind ${kind} is registered in shared/marketing/mailing-kinds.ts.`);
  return found;
}

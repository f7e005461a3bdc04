import { NewsletterScheduleChanged } from '../../events/marketing.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  stampRevision,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { assertVerifiedSender } from '../senders/identities.ts';
import {
  localDateTime,
  nextOccurrence,
  occurrenceInstant,
  parseRecurrence,
  RecurrenceError,
} from '../tasks/recurrence.ts';
import { getTenant } from '../tenancy/records.ts';
import { probeAudience } from './audience.ts';
import { checkAudience } from './audience-check.ts';
import { mailingSpecOf } from './campaign-sending.ts';
import { campaignItem } from './campaigns.ts';
import { newsletterKeys } from './keys.ts';
import { checkMailingSpec, problemOf, startMailingInto } from './mailings.ts';
import type {
  Campaign,
  Newsletter,
  NewsletterCreate,
  NewsletterRun,
  NewsletterSchedule,
  NewsletterUpdate,
} from './schema.ts';
import { findTemplate } from './templates.ts';
import { findTopic, usableTopic } from './topics.ts';

/**
 * Recurring newsletters. The schedule is an RRULE counted from a local start in a time zone
 * (every Monday 09:00 Europe/Paris), evaluated on wall-clock times so it stays at 09:00 across
 * daylight-saving changes. Only the next edition is pending, as a one-time schedule; when it fires
 * the run is recorded (`RUN#<occurrence>`), the newsletter moves to its following edition and, when
 * there is content and an audience, the edition (a campaign) starts sending, all in one
 * transaction conditioned on the edition still being the pending one. A run without content (its
 * template was deleted) or without anyone to receive it is recorded with its reason.
 */
export const NEWSLETTER_SCHEDULE = 'newsletter-edition';

const toNewsletter = (item: Item) => withoutKeys<Newsletter>(item);

export function editionScheduleName(newsletterId: string, occurrence: string): string {
  return `${NEWSLETTER_SCHEDULE}-${newsletterId}-${occurrence.replace(/[-:T]/g, '')}`;
}

/** The rule checked (at most daily), with the time zone that applies. */
async function checkedSchedule(ctx: TenantContext, schedule: NewsletterSchedule, path: string) {
  const timeZone = schedule.timeZone ?? (await getTenant(ctx)).timeZone;
  const frequency = /(?:^|;)FREQ=([A-Z]+)/i.exec(schedule.rrule)?.[1]?.toUpperCase();
  if (frequency && !['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(frequency))
    throw ValidationError.field(
      `${path}.rrule`,
      'A newsletter goes out at most daily: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.',
    );
  try {
    await parseRecurrence(schedule.rrule, schedule.startsAt);
  } catch (error) {
    if (error instanceof RecurrenceError) throw ValidationError.field(`${path}.rrule`, error.message);
    throw error;
  }
  return { rrule: schedule.rrule, startsAt: schedule.startsAt, timeZone };
}

/** The first edition after now (local to the schedule's zone), or none when the rule has ended. */
async function upcoming(
  ctx: TenantContext,
  schedule: Newsletter['schedule'],
  after?: string,
): Promise<string | undefined> {
  const now = localDateTime(ctx.clock.now(), schedule.timeZone);
  const from = after && after > now ? after : now;
  return nextOccurrence(schedule.rrule, schedule.startsAt, from, false);
}

async function withNext(ctx: TenantContext, newsletter: Newsletter, after?: string): Promise<Newsletter> {
  const next = { ...newsletter };
  delete next.nextEdition;
  delete next.nextEditionAt;
  if (newsletter.status !== 'active') return next;
  const edition = await upcoming(ctx, newsletter.schedule, after);
  if (edition) {
    next.nextEdition = edition;
    next.nextEditionAt = occurrenceInstant(edition, newsletter.schedule.timeZone).toISOString();
  }
  return next;
}

async function checkReferences(
  ctx: TenantContext,
  input: Partial<Pick<Newsletter, 'topicId' | 'templateId' | 'audience'>>,
): Promise<void> {
  if (input.topicId) await usableTopic(ctx, input.topicId, 'body.topicId');
  if (input.templateId && !(await findTemplate(ctx, input.templateId)))
    throw ValidationError.field('body.templateId', `There is no template ${input.templateId}.`);
  if (input.audience) await checkAudience(ctx, input.audience, 'body.audience');
}

const newsletterItem = (ctx: TenantContext, newsletter: Newsletter): Item => ({
  ...newsletterKeys.newsletter(ctx.tenantId, newsletter.id),
  entity: 'Newsletter',
  ...newsletter,
  GSI1PK: newsletterKeys.all(ctx.tenantId),
  GSI1SK: `${newsletter.name.toLowerCase()}#${newsletter.id}`,
});

export async function createNewsletter(ctx: TenantContext, input: NewsletterCreate): Promise<Newsletter> {
  const schedule = await checkedSchedule(ctx, input.schedule, 'body.schedule');
  await checkReferences(ctx, input);
  if (input.sender) await assertVerifiedSender(ctx, input.sender.email, 'body.sender.email');
  const now = ctx.clock.now().toISOString();
  const newsletter = await withNext(ctx, {
    id: newId(),
    ...input,
    schedule,
    status: 'active',
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  const uow = unitOfWork(ctx).put(newsletterItem(ctx, newsletter), { condition: notExists });
  uow.publish(NewsletterScheduleChanged, { newsletterId: newsletter.id });
  await uow.commit();
  return newsletter;
}

export async function findNewsletter(
  ctx: TenantContext,
  id: string,
  consistent = false,
): Promise<Newsletter | undefined> {
  const item = await getItem(ctx, newsletterKeys.newsletter(ctx.tenantId, id), { consistent });
  return item ? toNewsletter(item) : undefined;
}

export async function getNewsletter(ctx: TenantContext, id: string, consistent = false): Promise<Newsletter> {
  const newsletter = await findNewsletter(ctx, id, consistent);
  if (!newsletter) throw new NotFoundError('Newsletter', id);
  return newsletter;
}

export async function listNewsletters(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Newsletter>> {
  return queryPage(ctx, { index: 'GSI1', partition: newsletterKeys.all(ctx.tenantId) }, page, toNewsletter);
}

export async function updateNewsletter(
  ctx: TenantContext,
  id: string,
  input: NewsletterUpdate,
  ifMatch?: number | 'any',
): Promise<Newsletter> {
  const current = await getNewsletter(ctx, id, true);
  if (input.sender) await assertVerifiedSender(ctx, input.sender.email, 'body.sender.email');
  assertIfMatch(ifMatch, current);
  await checkReferences(ctx, input);
  let next: Newsletter = { ...current };
  if (input.schedule) next.schedule = await checkedSchedule(ctx, input.schedule, 'body.schedule');
  for (const field of ['name', 'audience', 'topicId', 'templateId', 'status'] as const)
    if (input[field] !== undefined) (next as Record<string, unknown>)[field] = input[field];
  if (input.sender === null) delete next.sender;
  else if (input.sender !== undefined) next.sender = input.sender;
  if (input.maxSendRate === null) delete next.maxSendRate;
  else if (input.maxSendRate !== undefined) next.maxSendRate = input.maxSendRate;
  if (input.schedule || input.status) next = await withNext(ctx, next);
  if (!stampRevision(ctx, current, next)) return current;
  const uow = unitOfWork(ctx).put(newsletterItem(ctx, next), {
    condition: and(exists, hasVersion(current.version)),
    onConditionFailed: () => new PreconditionFailedError(),
  });
  if (next.nextEdition !== current.nextEdition)
    uow.publish(NewsletterScheduleChanged, {
      newsletterId: id,
      ...(current.nextEdition ? { previousEdition: current.nextEdition } : {}),
    });
  await uow.commit();
  return next;
}

/** Stops the newsletter; its editions (campaigns) and runs stay. */
export async function deleteNewsletter(ctx: TenantContext, id: string): Promise<void> {
  const current = await getNewsletter(ctx, id, true);
  const uow = unitOfWork(ctx).delete(newsletterKeys.newsletter(ctx.tenantId, id), {
    condition: exists,
    onConditionFailed: () => new NotFoundError('Newsletter', id),
  });
  uow.publish(NewsletterScheduleChanged, {
    newsletterId: id,
    ...(current.nextEdition ? { previousEdition: current.nextEdition } : {}),
  });
  await uow.commit();
}

export async function listRuns(
  ctx: TenantContext,
  id: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<NewsletterRun>> {
  await getNewsletter(ctx, id);
  return queryPage(
    ctx,
    { partition: newsletterKeys.partition(ctx.tenantId, id), sort: { beginsWith: 'RUN#' }, ascending: false },
    page,
    (item) => withoutKeys<NewsletterRun>(item),
  );
}

class EditionMoved extends ConflictError {}

/**
 * Runs the edition of `occurrence` if it is still the pending one: records the run, moves the
 * newsletter to its next edition and starts the edition's campaign, in one transaction.
 */
export async function runNewsletter(
  ctx: TenantContext,
  id: string,
  occurrence: string,
): Promise<NewsletterRun | undefined> {
  const newsletter = await findNewsletter(ctx, id, true);
  if (newsletter?.status !== 'active' || newsletter.nextEdition !== occurrence) return undefined;
  const ranAt = ctx.clock.now().toISOString();
  const [template, topic, tenant] = await Promise.all([
    findTemplate(ctx, newsletter.templateId),
    findTopic(ctx, newsletter.topicId),
    getTenant(ctx),
  ]);
  let run: NewsletterRun;
  let edition: Campaign | undefined;
  if (!template) run = { occurrence, outcome: 'no_content', reason: 'Its template was deleted.', ranAt };
  else if (!topic || topic.archived)
    run = {
      occurrence,
      outcome: 'no_audience',
      reason: `Topic ${newsletter.topicId} is archived or gone.`,
      ranAt,
    };
  else {
    const probe = await probeAudience(ctx, newsletter.audience, { category: 'marketing', topic });
    if (!probe.reachable && probe.complete)
      run = {
        occurrence,
        outcome: 'no_audience',
        reason:
          probe.members === 0
            ? 'Its lists and segments hold nobody.'
            : `None of the ${probe.members} contacts of its audience may receive topic ${topic.id}.`,
        ranAt,
      };
    else {
      edition = {
        id: newId(),
        name: `${newsletter.name} (${occurrence.slice(0, 10)})`,
        status: 'sending',
        audience: newsletter.audience,
        topicId: newsletter.topicId,
        templateId: newsletter.templateId,
        ...(newsletter.sender ? { sender: newsletter.sender } : {}),
        ...(newsletter.maxSendRate ? { maxSendRate: newsletter.maxSendRate } : {}),
        newsletterId: id,
        edition: occurrence,
        startedAt: ranAt,
        createdAt: ranAt,
        updatedAt: ranAt,
        version: 1,
      };
      run = { occurrence, outcome: 'sent', campaignId: edition.id, ranAt };
    }
  }
  // Checked again now: a merge field the template uses may have been deleted since it was saved.
  // Such an edition is recorded as not sent, and the newsletter goes on to the next one.
  const spec = edition && template ? mailingSpecOf(edition, template, tenant) : undefined;
  const unsendable = spec ? await problemOf(() => checkMailingSpec(ctx, spec)) : undefined;
  if (unsendable) {
    run = { occurrence, outcome: 'no_content', reason: `Its template cannot be sent: ${unsendable}`, ranAt };
    edition = undefined;
  }
  const next = await withNext(
    ctx,
    { ...newsletter, lastEdition: occurrence, updatedAt: ranAt, version: newsletter.version + 1 },
    occurrence,
  );
  const uow = unitOfWork(ctx);
  uow.put(newsletterItem(ctx, next), {
    condition: (e) => `${e.name('nextEdition')} = ${e.value(occurrence)}`,
    onConditionFailed: () => new EditionMoved('The edition already ran or moved.'),
  });
  uow.put(
    { ...newsletterKeys.run(ctx.tenantId, id, occurrence), entity: 'NewsletterRun', ...run },
    { condition: notExists },
  );
  uow.publish(NewsletterScheduleChanged, { newsletterId: id, previousEdition: occurrence });
  if (edition && spec) {
    uow.put(campaignItem(ctx, edition), { condition: notExists });
    startMailingInto(uow, ctx, spec);
  }
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof EditionMoved) return undefined;
    throw error;
  }
  return run;
}

import { contactKeys } from '../contacts/keys.ts';
import { getContact } from '../contacts/records.ts';
import type { Contact } from '../contacts/schema.ts';
import { selfServiceLinkFor } from '../contacts/self-service-link.ts';
import { updateContact } from '../contacts/service.ts';
import { addMembers } from '../marketing/lists.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem } from '../platform/db/repository.ts';
import { absentIfNotFound, NotFoundError, PreconditionFailedError } from '../platform/errors.ts';
import { type MergeValues, renderTemplate } from '../platform/merge-fields.ts';
import { addDays, localDate } from '../platform/time.ts';
import { localDateTime, occurrenceInstant } from '../tasks/local-time.ts';
import { sendMailOnce } from '../tasks/one-time.ts';
import type { TaskLink } from '../tasks/schema.ts';
import { createTask } from '../tasks/service.ts';
import { getMember, getTenant } from '../tenancy/records.ts';
import type { Member, Tenant } from '../tenancy/schema.ts';
import { LINK_FIELDS } from './catalog.ts';
import { automationKeys } from './keys.ts';
import { nextInTeam } from './round-robin.ts';
import { getRule } from './rules.ts';
import { claimRun, finishRun, isFinished, recordAction } from './runs.ts';
import {
  type AutomationAction,
  type AutomationRule,
  type AutomationRun,
  type AutomationRunAction,
  FIRING_ATTEMPTS,
  type Firing,
} from './schema.ts';

/**
 * Runs one firing of a rule: at most once per occurrence (the run's guard), each action at most
 * once (a task per `rule#<rule>#<occurrence>#<action>`, a mail per run and action, tags are sets).
 * A failing action throws so the queue delivers the firing again; on the last delivery the run is
 * recorded as failed instead, so a failure always ends visible in the rule's runs.
 */
export async function runFiring(
  ctx: TenantContext,
  firing: Firing,
  delivery: number,
): Promise<AutomationRun> {
  const run = await claimRun(ctx, firing);
  if (isFinished(run)) return run;
  const rule = await getRule(ctx, firing.ruleId).catch(absentIfNotFound);
  if (!rule?.enabled) {
    await finishRun(ctx, run, 'skipped', `The rule was ${rule ? 'disabled' : 'deleted'} before it ran.`);
    return run;
  }
  let current: { index: number; action: AutomationAction } | undefined;
  try {
    const scene = await sceneOf(ctx, firing);
    if (typeof scene === 'string') {
      await finishRun(ctx, run, 'skipped', scene);
      return run;
    }
    for (const [index, action] of rule.actions.entries()) {
      const earlier = run.actions.find((a) => a.index === index);
      if (earlier && (earlier.status === 'done' || earlier.status === 'skipped')) continue;
      current = { index, action };
      await recordAction(ctx, run, await perform(ctx, rule, run, firing, index, action, scene));
    }
    await finishRun(ctx, run, 'succeeded');
    return run;
  } catch (error) {
    ctx.logger.warn('automation action failed', {
      ruleId: rule.id,
      runId: run.id,
      delivery,
      error: String(error),
    });
    if (delivery < FIRING_ATTEMPTS) {
      await finishRun(ctx, run, 'retrying', error);
      throw error;
    }
    if (current) {
      const { index, action } = current;
      await recordAction(ctx, run, { index, type: action.type, status: 'failed' });
    }
    await finishRun(ctx, run, 'failed', error);
    return run;
  }
}

interface Scene {
  tenant: Tenant;
  at: Date;
  contact?: Contact;
  owner?: Member;
  values: MergeValues;
}

/**
 * Why the rule's contact is no longer there, when a user removed it before the rule ran (erased,
 * or merged into another contact): the run is skipped, saying so, not failed.
 */
async function whyGone(ctx: TenantContext, contactId: string): Promise<string | undefined> {
  const [erased, merged] = await Promise.all([
    getItem(ctx, contactKeys.erasure(ctx.tenantId, contactId), { consistent: true }),
    getItem(ctx, contactKeys.merged(ctx.tenantId, contactId), { consistent: true }),
  ]);
  if (erased) return 'The contact was erased before the rule ran.';
  if (merged) return `The contact was merged into contact ${String(merged.mergedInto)} before the rule ran.`;
  return undefined;
}

/** What the actions work with: the tenant, the contact and record owner, the merge values. */
async function sceneOf(ctx: TenantContext, firing: Firing): Promise<Scene | string> {
  const { trigger } = firing;
  const tenant = await getTenant(ctx);
  let contact: Contact | undefined;
  if (trigger.contactId) {
    try {
      contact = await getContact(ctx, trigger.contactId);
    } catch (error) {
      const gone = error instanceof NotFoundError ? await whyGone(ctx, trigger.contactId) : undefined;
      if (gone) return gone;
      throw error;
    }
  }
  if (trigger.type === 'inactivity' && contact) {
    const summary = await getItem(ctx, automationKeys.purchaseSummary(ctx.tenantId, contact.id), {
      consistent: true,
    });
    if (summary?.lastPurchaseDate !== trigger.fields.lastPurchaseDate)
      return 'The customer bought again before the rule ran.';
  }
  const ownerId = typeof trigger.fields.ownerId === 'string' ? trigger.fields.ownerId : contact?.ownerId;
  const owner = ownerId ? await getMember(ctx, ownerId).catch(absentIfNotFound) : undefined;
  const at = new Date(trigger.at);
  const scalars = Object.fromEntries(
    Object.entries(trigger.fields).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)),
  );
  return {
    tenant,
    at,
    ...(contact ? { contact } : {}),
    ...(owner ? { owner } : {}),
    values: {
      tenant: { name: tenant.name },
      trigger: { ...scalars, date: localDate(at, tenant.timeZone) },
      ...(contact
        ? {
            contact: {
              firstName: contact.firstName,
              lastName: contact.lastName,
              email: contact.email,
              lifecycleStage: contact.lifecycleStage,
              selfServiceLink: (await selfServiceLinkFor(tenant, contact.id, ctx.clock.now())).url,
            },
          }
        : {}),
      ...(owner ? { owner: { name: owner.name, email: owner.email } } : {}),
    },
  };
}

async function perform(
  ctx: TenantContext,
  rule: AutomationRule,
  run: AutomationRun,
  firing: Firing,
  index: number,
  action: AutomationAction,
  scene: Scene,
): Promise<AutomationRunAction> {
  const result = { index, type: action.type };
  const text = (template: string, max: number) =>
    renderTemplate(template, scene.values, 'text').slice(0, max);
  switch (action.type) {
    case 'create_task': {
      const earlier = run.actions.find((a) => a.index === index);
      const assigneeId = earlier ? earlier.assigneeId : await assigneeFor(ctx, action, scene);
      if (!earlier && action.assignTo.type === 'team') {
        // Remember the round-robin choice, so a retry does not move the team's turn again.
        await recordAction(ctx, run, { ...result, status: 'pending', ...(assigneeId ? { assigneeId } : {}) });
      }
      const task = await createTask(
        ctx,
        {
          title: text(action.title, 200) || rule.name.slice(0, 200),
          ...(action.description ? { description: text(action.description, 5000) } : {}),
          ...(assigneeId ? { assigneeId } : {}),
          ...(action.dueIn ? { dueAt: dueAfter(scene, action.dueIn).toISOString() } : {}),
          priority: action.priority,
          checklist: action.checklist.map((item) => ({ text: text(item, 500) })),
          links: linksOf(firing),
          ...(action.reminderMinutesBefore !== undefined
            ? { reminderMinutesBefore: action.reminderMinutesBefore }
            : {}),
        },
        {
          source: { type: 'automation', ref: rule.id },
          occurrence: `rule#${rule.id}#${firing.occurrence}#${index}`,
          ...(scene.contact ? { timelineContactId: scene.contact.id } : {}),
        },
      );
      return {
        ...result,
        status: 'done',
        taskId: task.id,
        ...(task.assigneeId ? { assigneeId: task.assigneeId } : {}),
      };
    }
    case 'send_email': {
      const to = scene.contact?.email;
      if (!to) return { ...result, status: 'skipped', detail: 'The contact has no email address.' };
      const body = text(action.text, 20_000);
      const replyTo = scene.owner?.email ?? scene.tenant.replyTo;
      // The mail layout (preact) loads on the first email action, not at every cold start.
      const html = action.html
        ? renderTemplate(action.html, scene.values, 'html')
        : (await import('../platform/pages/email.tsx')).textAsHtml(body);
      const outcome = await sendMailOnce(ctx, automationKeys.mail(ctx.tenantId, run.id, index), {
        category: 'transactional',
        sender: {
          name: scene.tenant.sender.name,
          email: scene.tenant.sender.email,
          ...(replyTo ? { replyTo } : {}),
        },
        to,
        subject: text(action.subject, 200),
        text: body,
        html,
        tags: { kind: 'automation', ruleId: rule.id },
      });
      if (outcome?.status === 'suppressed')
        return { ...result, status: 'skipped', detail: `The address is suppressed (${outcome.reason}).` };
      return {
        ...result,
        status: 'done',
        ...(outcome?.status === 'sent' ? { messageId: outcome.messageId } : {}),
      };
    }
    case 'tag_contact': {
      if (!scene.contact) return { ...result, status: 'skipped', detail: 'The trigger brought no contact.' };
      await tagContact(ctx, scene.contact.id, action.tag);
      return { ...result, status: 'done' };
    }
    case 'add_to_list': {
      if (!scene.contact) return { ...result, status: 'skipped', detail: 'The trigger brought no contact.' };
      try {
        // Adding twice changes nothing, so a retried firing is harmless.
        await addMembers(ctx, action.listId, [scene.contact.id], `automation rule ${rule.id}`);
      } catch (error) {
        if (error instanceof NotFoundError)
          return { ...result, status: 'skipped', detail: 'The list no longer exists.' };
        throw error;
      }
      return { ...result, status: 'done' };
    }
  }
}

async function assigneeFor(
  ctx: TenantContext,
  action: Extract<AutomationAction, { type: 'create_task' }>,
  scene: Scene,
): Promise<string | undefined> {
  const active = async (id: string | undefined) => {
    if (!id) return undefined;
    const member = await getMember(ctx, id).catch(absentIfNotFound);
    return member?.status === 'active' ? member.id : undefined;
  };
  const { assignTo } = action;
  const chosen =
    assignTo.type === 'owner'
      ? scene.owner?.status === 'active'
        ? scene.owner.id
        : undefined
      : assignTo.type === 'member'
        ? await active(assignTo.memberId)
        : await nextInTeam(ctx, assignTo.team);
  return chosen ?? (await active(action.fallbackAssigneeId));
}

/** Hours count from the firing; days keep its wall-clock time in the tenant's time zone. */
function dueAfter(scene: Scene, dueIn: { amount: number; unit: 'hours' | 'days' }): Date {
  if (dueIn.unit === 'hours') return new Date(scene.at.getTime() + dueIn.amount * 3_600_000);
  const local = localDateTime(scene.at, scene.tenant.timeZone);
  return occurrenceInstant(
    `${addDays(local.slice(0, 10), dueIn.amount)}${local.slice(10)}`,
    scene.tenant.timeZone,
  );
}

/** The records the trigger names (contact, quote, survey response...) become the task's links. */
function linksOf(firing: Firing): TaskLink[] {
  const links: TaskLink[] = [];
  for (const [field, type] of Object.entries(LINK_FIELDS)) {
    const id = firing.trigger.fields[field] ?? (field === 'contactId' ? firing.trigger.contactId : undefined);
    if (typeof id === 'string' && id) links.push({ type: type as TaskLink['type'], id: id.slice(0, 64) });
  }
  return links;
}

/** Adds a tag, re-reading when someone else changed the contact meanwhile. */
async function tagContact(ctx: TenantContext, contactId: string, tag: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const contact = await getContact(ctx, contactId);
    if (contact.tags.includes(tag)) return;
    try {
      await updateContact(ctx, contactId, { tags: [...contact.tags, tag] }, contact.version);
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new Error(`Contact ${contactId} kept changing while it was being tagged.`);
}

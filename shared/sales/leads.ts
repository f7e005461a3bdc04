import { LeadAssigned, LeadConverted, LeadReceived, LeadStatusChanged } from '../../events/sales.ts';
import { createCompanyInto, findCompanyIdByDomain } from '../contacts/companies.ts';
import { getContact } from '../contacts/records.ts';
import type { Contact } from '../contacts/schema.ts';
import { createContactInto, findContactIdByEmail } from '../contacts/service.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { describeActor, type TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { defaultOwnerId } from '../platform/owner.ts';
import { getTenant } from '../tenancy/records.ts';
import { assignLead, TurnTaken } from './assignment.ts';
import { openDealInto } from './deals.ts';
import { leadKeys } from './keys.ts';
import { defaultPipeline, getPipeline } from './pipelines.ts';
import { activeMember, callerId, existingContact } from './references.ts';
import { reviseEach, unchangedSince } from './revise.ts';
import type {
  Lead,
  LeadConversion,
  LeadConversionResult,
  LeadCreate,
  LeadHistoryEntry,
  LeadStatus,
  LeadUpdate,
  Pipeline,
} from './schema.ts';

/**
 * Leads: prospects before they are deals. Assignment rules run when a lead arrives, in the same
 * transaction that records it. Conversion creates (or finds) the contact and the company and
 * opens the deal in one transaction; the lead stays, converted, with its history and links.
 */
const toLead = (item: Item) => withoutKeys<Lead>(item);

/** The contact a lead is about: the one it names, or the one its conversion created or found. */
export const contactOfLead = (lead: Pick<Lead, 'contactId' | 'conversion'>) =>
  lead.contactId ?? lead.conversion?.contactId;

export function indexes(
  ctx: TenantContext,
  lead: Pick<Lead, 'id' | 'status' | 'ownerId' | 'receivedAt' | 'contactId' | 'conversion'>,
) {
  const contactId = contactOfLead(lead);
  return {
    GSI1PK: leadKeys.byStatus(ctx.tenantId, lead.status),
    GSI1SK: `${lead.receivedAt}#${lead.id}`,
    GSI2PK: leadKeys.byOwner(ctx.tenantId, lead.ownerId),
    GSI2SK: `${lead.status}#${lead.receivedAt}#${lead.id}`,
    ...(contactId
      ? { GSI3PK: leadKeys.byContact(ctx.tenantId, contactId), GSI3SK: `${lead.receivedAt}#${lead.id}` }
      : {}),
  };
}

function entry(ctx: TenantContext, action: LeadHistoryEntry['action'], detail: string): LeadHistoryEntry {
  return { at: ctx.clock.now().toISOString(), action, detail, actor: describeActor(ctx.actor) };
}

const MAX_ATTEMPTS = 5;

export async function createLead(ctx: TenantContext, input: LeadCreate): Promise<Lead> {
  if (!input.contactId && !input.person)
    throw ValidationError.field('body.person', 'Say who the lead is: an existing contactId, or a person.');
  if (input.contactId) await existingContact(ctx, input.contactId, 'body.contactId');
  if (input.ownerId) await activeMember(ctx, input.ownerId, 'body.ownerId');
  for (let attempt = 1; ; attempt++) {
    const assignment = input.ownerId ? undefined : await assignLead(ctx, input);
    const now = ctx.clock.now().toISOString();
    const { receivedAt, ...fields } = input;
    const ownerId = input.ownerId ?? assignment?.ownerId ?? defaultOwnerId(ctx);
    const lead: Lead = {
      id: newId(),
      ...fields,
      status: 'new',
      ...(ownerId ? { ownerId } : {}),
      ...(assignment ? { assignedByRule: assignment.ruleId } : {}),
      history: [
        entry(
          ctx,
          'received',
          `From ${input.source}${input.region ? ` in ${input.region}` : ''}, score ${input.score}.`,
        ),
        ...(ownerId
          ? [
              entry(
                ctx,
                'assigned',
                assignment ? `To member ${ownerId} by rule ${assignment.ruleId}.` : `To member ${ownerId}.`,
              ),
            ]
          : []),
      ],
      receivedAt: receivedAt ? new Date(receivedAt).toISOString() : now,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const uow = unitOfWork(ctx).put(
      { ...leadKeys.lead(ctx.tenantId, lead.id), entity: 'Lead', ...lead, ...indexes(ctx, lead) },
      { condition: notExists },
    );
    assignment?.into?.(uow);
    uow.publish(LeadReceived, {
      leadId: lead.id,
      source: lead.source,
      score: lead.score,
      ...(lead.region ? { region: lead.region } : {}),
      ...(lead.contactId ? { contactId: lead.contactId } : {}),
      ...(ownerId ? { ownerId } : {}),
    });
    if (ownerId)
      uow.publish(LeadAssigned, {
        leadId: lead.id,
        ownerId,
        ...(assignment ? { ruleId: assignment.ruleId } : {}),
      });
    try {
      await uow.commit();
      return lead;
    } catch (error) {
      if (!(error instanceof TurnTaken) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

export async function getLead(ctx: TenantContext, id: string): Promise<Lead> {
  const item = await getItem(ctx, leadKeys.lead(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Lead', id);
  return toLead(item);
}

/** Leads about a contact, of an owner (by status when given), or of a status, newest first. */
export async function listLeads(
  ctx: TenantContext,
  query: {
    contactId?: string | undefined;
    status?: LeadStatus | undefined;
    ownerId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<Lead>> {
  if (query.contactId) {
    return queryPage(
      ctx,
      { index: 'GSI3', partition: leadKeys.byContact(ctx.tenantId, query.contactId), ascending: false },
      query,
      toLead,
    );
  }
  if (query.ownerId) {
    return queryPage(
      ctx,
      {
        index: 'GSI2',
        partition: leadKeys.byOwner(ctx.tenantId, query.ownerId === 'unassigned' ? undefined : query.ownerId),
        ...(query.status ? { sort: { beginsWith: `${query.status}#` } } : {}),
        ascending: false,
      },
      query,
      toLead,
    );
  }
  return queryPage(
    ctx,
    { index: 'GSI1', partition: leadKeys.byStatus(ctx.tenantId, query.status ?? 'new'), ascending: false },
    query,
    toLead,
  );
}

export async function updateLead(
  ctx: TenantContext,
  id: string,
  input: LeadUpdate,
  ifMatch?: number | 'any',
): Promise<Lead> {
  const current = await getLead(ctx, id);
  assertIfMatch(ifMatch, current);
  if (current.status === 'converted')
    throw new ConflictError(`Lead ${id} is converted; change its deal instead.`);
  const next: Lead = { ...current, history: [...current.history] };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else (next as Record<string, unknown>)[field] = value;
  }
  const fields = Object.keys(input).filter(
    (f) =>
      JSON.stringify((current as Record<string, unknown>)[f]) !==
      JSON.stringify((next as Record<string, unknown>)[f]),
  );
  if (fields.length === 0) return current;
  if (fields.includes('ownerId')) {
    if (next.ownerId) await activeMember(ctx, next.ownerId, 'body.ownerId');
    delete next.assignedByRule;
    next.history.push(entry(ctx, 'assigned', next.ownerId ? `To member ${next.ownerId}.` : 'Unassigned.'));
  }
  if (fields.includes('status'))
    next.history.push(entry(ctx, 'status_changed', `From ${current.status} to ${next.status}.`));
  if (fields.includes('score'))
    next.history.push(entry(ctx, 'scored', `From ${current.score} to ${next.score}.`));
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(leadKeys.lead(ctx.tenantId, id), {
    set: {
      ...set,
      region: next.region,
      ownerId: next.ownerId,
      message: next.message,
      assignedByRule: next.assignedByRule,
      ...indexes(ctx, next),
    },
    ...whileVersion(current.version),
  });
  if (fields.includes('status'))
    uow.publish(LeadStatusChanged, {
      leadId: id,
      from: current.status,
      to: next.status,
      ...(next.ownerId ? { ownerId: next.ownerId } : {}),
    });
  if (fields.includes('ownerId') && next.ownerId)
    uow.publish(LeadAssigned, { leadId: id, ownerId: next.ownerId });
  await uow.commit();
  return next;
}

async function conversionPipeline(ctx: TenantContext, pipelineId: string | undefined): Promise<Pipeline> {
  if (pipelineId) {
    try {
      return await getPipeline(ctx, pipelineId);
    } catch (error) {
      if (error instanceof NotFoundError) throw ValidationError.field('body.pipelineId', error.message);
      throw error;
    }
  }
  const pipeline = await defaultPipeline(ctx);
  if (!pipeline)
    throw ValidationError.field(
      'body.pipelineId',
      'There is no pipeline yet: create one at POST /v1/pipelines.',
    );
  return pipeline;
}

/**
 * Converts a lead into contact + company + deal in one transaction. An existing contact (the
 * lead's, or one with the lead's email) and an existing company (same domain) are reused.
 */
export async function convertLead(
  ctx: TenantContext,
  id: string,
  input: LeadConversion,
): Promise<LeadConversionResult> {
  const lead = await getLead(ctx, id);
  if (lead.status === 'converted')
    throw new ConflictError(`Lead ${id} is already converted.`, { conversion: lead.conversion });
  if (lead.status === 'disqualified')
    throw new ConflictError(`Lead ${id} is disqualified; change its status before converting it.`);
  const pipeline = await conversionPipeline(ctx, input.pipelineId);
  const ownerId = lead.ownerId ?? callerId(ctx);
  const uow = unitOfWork(ctx);

  let companyId: string | undefined;
  let companyName: string | undefined;
  let createdCompany = false;
  if (lead.company) {
    companyName = lead.company.name;
    companyId = lead.company.domain ? await findCompanyIdByDomain(ctx, lead.company.domain) : undefined;
    if (!companyId) {
      companyId = createCompanyInto(uow, ctx, {
        name: lead.company.name,
        ...(lead.company.domain ? { domain: lead.company.domain } : {}),
        ...(ownerId ? { ownerId } : {}),
      }).id;
      createdCompany = true;
    }
  }

  const existingId =
    lead.contactId ?? (lead.person?.email ? await findContactIdByEmail(ctx, lead.person.email) : undefined);
  let contact: Contact | undefined;
  if (existingId) {
    contact = await getContact(ctx, existingId).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new ConflictError(`The lead's contact ${existingId} no longer exists.`);
      throw error;
    });
    companyId ??= contact.companyId;
  } else {
    const person = lead.person!;
    contact = createContactInto(uow, ctx, {
      firstName: person.firstName,
      lastName: person.lastName,
      ...(person.email ? { email: person.email } : {}),
      ...(companyId ? { companyId } : {}),
      ...(ownerId ? { ownerId } : {}),
      lifecycleStage: 'prospect',
      tags: [],
    });
  }

  const deal = openDealInto(
    uow,
    ctx,
    {
      name: input.dealName ?? companyName ?? `${contact.firstName} ${contact.lastName}`,
      pipeline,
      stageId: input.stageId,
      amount: input.amount,
      currency: input.currency ?? (await getTenant(ctx)).currency,
      expectedCloseDate: input.expectedCloseDate,
      ownerId,
      contactIds: [contact.id],
      companyId,
      leadId: lead.id,
      ...(input.dealName || companyName ? {} : { namedAfterContactId: contact.id }),
    },
    'body',
  );
  const now = ctx.clock.now().toISOString();
  const converted: Lead = {
    ...lead,
    status: 'converted',
    ...(ownerId ? { ownerId } : {}),
    conversion: {
      contactId: contact.id,
      ...(companyId ? { companyId } : {}),
      dealId: deal.id,
      convertedAt: now,
    },
    history: [...lead.history, entry(ctx, 'converted', `Into contact ${contact.id} and deal ${deal.id}.`)],
    updatedAt: now,
    version: lead.version + 1,
  };
  uow.update(leadKeys.lead(ctx.tenantId, id), {
    set: {
      status: converted.status,
      ownerId: converted.ownerId,
      conversion: converted.conversion,
      history: converted.history,
      ...indexes(ctx, converted),
    },
    // A 412 the API answers only to a pinned request; otherwise the conversion is tried again on
    // the lead as it now is (lastWriterWins), and refused only if that lead cannot convert.
    ...whileVersion(lead.version),
  });
  addTimelineEntryInto(uow, ctx, contact.id, {
    kind: 'deal',
    title: `Lead from ${lead.source} converted`,
    summary: [lead.message, ...lead.history.map((h) => `${h.at.slice(0, 10)} ${h.detail}`)]
      .filter(Boolean)
      .join('\n')
      .slice(0, 2000),
    ref: { type: 'lead', id: lead.id },
  });
  uow.publish(LeadConverted, {
    leadId: id,
    contactId: contact.id,
    dealId: deal.id,
    ...(companyId ? { companyId } : {}),
    ...(ownerId ? { ownerId } : {}),
  });
  await uow.commit();
  return {
    lead: converted,
    contactId: contact.id,
    ...(companyId ? { companyId } : {}),
    deal,
    createdContact: !existingId,
    createdCompany,
  };
}

/**
 * A merge (ContactsMerged): the merged contact's leads now name the kept contact, whether they
 * named it from the start or were converted into it; the lead's history says so.
 */
export async function moveLeads(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  await reviseEach(
    ctx,
    { index: 'GSI3', partition: leadKeys.byContact(ctx.tenantId, mergedId) },
    (item, uow) => {
      const lead = toLead(item);
      if (contactOfLead(lead) !== mergedId) return false;
      const next: Lead = {
        ...lead,
        ...(lead.contactId === mergedId ? { contactId: keptId } : {}),
        ...(lead.conversion?.contactId === mergedId
          ? { conversion: { ...lead.conversion, contactId: keptId } }
          : {}),
        history: [
          ...lead.history,
          entry(ctx, 'contact_merged', `Contact ${mergedId} was merged into contact ${keptId}.`),
        ],
      };
      uow.update(leadKeys.lead(ctx.tenantId, lead.id), {
        set: {
          contactId: next.contactId,
          conversion: next.conversion,
          history: next.history,
          ...indexes(ctx, next),
        },
        bumpVersion: true,
        ...unchangedSince(item),
      });
      return true;
    },
  );
}

/**
 * An erasure (ContactErased): the leads about the contact lose who the person was (`person`:
 * name and email) and what they wrote (`message`); source, score, status, company and the
 * conversion's links stay, for the funnel's numbers.
 */
export async function eraseLeadPeople(ctx: TenantContext, contactId: string): Promise<void> {
  await reviseEach(
    ctx,
    { index: 'GSI3', partition: leadKeys.byContact(ctx.tenantId, contactId) },
    (item, uow) => {
      const lead = toLead(item);
      if (lead.personErasedAt) return false;
      uow.update(leadKeys.lead(ctx.tenantId, lead.id), {
        set: {
          personErasedAt: ctx.clock.now().toISOString(),
          history: [
            ...lead.history,
            entry(ctx, 'erased', "The person's data was erased with their contact."),
          ],
        },
        remove: ['person', 'message'],
        bumpVersion: true,
        ...unchangedSince(item),
      });
      return true;
    },
  );
}

import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import {
  Currency,
  DomainName,
  Email,
  Id,
  IsoDate,
  IsoDateTime,
  MinorUnits,
  NonEmpty,
  named,
} from '../platform/schema.ts';
import { Code, Note } from './fields.ts';

/**
 * Schemas of the sales module's pipeline: leads, pipelines and deals. The catalogue, price lists,
 * suppliers, quotes, orders, stock, purchase orders and purchase history are in
 * commerce-schema.ts: each API function builds only its own schemas at cold start (esbuild keeps
 * every schema of a file it imports, and each costs construction time).
 * Money is integer minor units with its currency; tax rates are basis points (2000 = 20%).
 */

const Percent = lazy(() => z.int().check(z.minimum(0), z.maximum(100)));
const Label = lazy(() => z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50)));

// ---------------------------------------------------------------------------------------------
// Leads

export const LEAD_STATUSES = ['new', 'working', 'qualified', 'disqualified', 'converted'] as const;
export const LeadStatus = named(
  'LeadStatus',
  lazy(() => z.enum(LEAD_STATUSES)),
);
export type LeadStatus = z.infer<typeof LeadStatus>;

const Prospect = lazy(() =>
  z.object({
    firstName: NonEmpty(100),
    lastName: NonEmpty(100),
    email: z.optional(Email),
  }),
);

const ProspectCompany = lazy(() =>
  z.object({
    name: NonEmpty(200),
    domain: z.optional(DomainName),
  }),
);

export const LeadHistoryEntry = named(
  'LeadHistoryEntry',
  lazy(() =>
    z.object({
      at: IsoDateTime,
      action: z.enum([
        'received',
        'assigned',
        'status_changed',
        'scored',
        'converted',
        'contact_merged',
        'erased',
      ]),
      detail: z.string(),
      actor: z.string(),
    }),
  ),
);
export type LeadHistoryEntry = z.infer<typeof LeadHistoryEntry>;

export const Lead = named(
  'Lead',
  lazy(() =>
    z.object({
      id: Id,
      source: z.string(),
      status: LeadStatus,
      score: z.int(),
      region: z.optional(z.string()),
      /** The contact the lead concerns, when it is already in the address book. */
      contactId: z.optional(Id),
      /** Who the lead is, when it is not (yet) a contact: conversion creates the contact. */
      person: z.optional(Prospect),
      company: z.optional(ProspectCompany),
      message: z.optional(z.string()),
      ownerId: z.optional(Id),
      /** The assignment rule that chose the owner, if one did. */
      assignedByRule: z.optional(z.string()),
      conversion: z.optional(
        z.object({ contactId: Id, companyId: z.optional(Id), dealId: Id, convertedAt: IsoDateTime }),
      ),
      /** The person was erased with their contact: `person` and `message` are gone. */
      personErasedAt: z.optional(IsoDateTime),
      history: z.array(LeadHistoryEntry),
      receivedAt: IsoDateTime,
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A prospect out of the stream of contacts, before it becomes a deal.',
);
export type Lead = z.infer<typeof Lead>;

export const LeadCreate = named(
  'LeadCreate',
  lazy(() =>
    z.object({
      source: Label,
      score: z._default(Percent, 0),
      region: z.optional(Label),
      contactId: z.optional(Id),
      person: z.optional(Prospect),
      company: z.optional(ProspectCompany),
      message: z.optional(Note),
      /** Leaves assignment rules out: the lead goes to this member. */
      ownerId: z.optional(Id),
      receivedAt: z.optional(IsoDateTime),
    }),
  ),
);
export type LeadCreate = z.infer<typeof LeadCreate>;

export const LeadUpdate = named(
  'LeadUpdate',
  lazy(() =>
    z.object({
      status: z.optional(z.enum(['new', 'working', 'qualified', 'disqualified'])),
      score: z.optional(Percent),
      region: z.optional(z.nullable(Label)),
      ownerId: z.optional(z.nullable(Id)),
      message: z.optional(z.nullable(Note)),
    }),
  ),
);
export type LeadUpdate = z.infer<typeof LeadUpdate>;

export const LeadConversion = named(
  'LeadConversion',
  lazy(() =>
    z.object({
      /** The tenant's first pipeline when absent. */
      pipelineId: z.optional(Id),
      /** The pipeline's first open stage when absent. */
      stageId: z.optional(z.string()),
      dealName: z.optional(NonEmpty(200)),
      amount: z._default(MinorUnits, 0),
      currency: z.optional(Currency),
      expectedCloseDate: z.optional(IsoDate),
    }),
  ),
);
export type LeadConversion = z.infer<typeof LeadConversion>;

const ChoiceOfAssignee = lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('member'), memberId: Id }),
    z.object({ type: z.literal('round_robin'), team: NonEmpty(100) }),
  ]),
);

export const LeadAssignmentRule = named(
  'LeadAssignmentRule',
  lazy(() =>
    z.object({
      id: Code,
      description: z.optional(z.string().check(z.maxLength(200))),
      /** Every listed condition must hold; an empty match catches every lead. */
      match: z._default(
        z.object({
          sources: z.optional(z.array(Label).check(z.minLength(1), z.maxLength(50))),
          regions: z.optional(z.array(Label).check(z.minLength(1), z.maxLength(50))),
        }),
        {},
      ),
      assign: ChoiceOfAssignee,
    }),
  ),
  'Which member a new lead goes to: a named member, or the next member of a team in turn.',
);
export type LeadAssignmentRule = z.infer<typeof LeadAssignmentRule>;

export const LeadAssignmentRules = named(
  'LeadAssignmentRules',
  lazy(() =>
    z.object({
      /** Tried in order; the first rule that matches assigns the lead. */
      rules: z.array(LeadAssignmentRule),
      version: z.int(),
      updatedAt: z.optional(IsoDateTime),
    }),
  ),
);
export type LeadAssignmentRules = z.infer<typeof LeadAssignmentRules>;

export const LeadAssignmentRulesUpdate = named(
  'LeadAssignmentRulesUpdate',
  lazy(() => z.object({ rules: z.array(LeadAssignmentRule).check(z.maxLength(100)) })),
);

// ---------------------------------------------------------------------------------------------
// Pipelines and deals

export const STAGE_OUTCOMES = ['open', 'won', 'lost'] as const;

export const Stage = named(
  'Stage',
  lazy(() =>
    z.object({
      id: z.string(),
      name: z.string(),
      outcome: z.enum(STAGE_OUTCOMES),
      /** Default win probability of deals in the stage, in percent (won 100, lost 0). */
      probability: z.int(),
    }),
  ),
);
export type Stage = z.infer<typeof Stage>;

const StageInput = lazy(() =>
  z.object({
    /** Keep an existing stage by sending its id; stages without an id are new. */
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(40))),
    name: NonEmpty(100),
    outcome: z._default(z.enum(STAGE_OUTCOMES), 'open'),
    probability: z.optional(Percent),
  }),
);

export const Pipeline = named(
  'Pipeline',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      stages: z.array(Stage),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A sequence of stages deals move through, ending in won or lost.',
);
export type Pipeline = z.infer<typeof Pipeline>;

export const PipelineCreate = named(
  'PipelineCreate',
  lazy(() =>
    z.object({ name: NonEmpty(100), stages: z.array(StageInput).check(z.minLength(3), z.maxLength(30)) }),
  ),
);
export type PipelineCreate = z.infer<typeof PipelineCreate>;
export type StageInput = z.infer<typeof StageInput>;

export const PipelineUpdate = named(
  'PipelineUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(100)),
      stages: z.optional(z.array(StageInput).check(z.minLength(3), z.maxLength(30))),
    }),
  ),
);
export type PipelineUpdate = z.infer<typeof PipelineUpdate>;

const MoneyValue = lazy(() => z.object({ currency: z.string(), amount: z.int(), weightedAmount: z.int() }));

export const FunnelStage = named(
  'FunnelStage',
  lazy(() =>
    z.object({
      stageId: z.string(),
      name: z.string(),
      outcome: z.enum(STAGE_OUTCOMES),
      probability: z.int(),
      /** Deals in the stage now, and their value per currency (weighted by the stage probability). */
      count: z.int(),
      values: z.array(MoneyValue),
      /** Deals that ever reached the stage or went past it (won deals passed every open stage). */
      reached: z.int(),
      /** reached of this stage / reached of the previous open stage, in basis points (not for lost stages). */
      conversionBps: z.optional(z.int()),
      /** Deals that left the stage, and how long they had stayed in it on average. */
      exits: z.int(),
      averageSecondsInStage: z.optional(z.int()),
    }),
  ),
);

export const Funnel = named(
  'Funnel',
  lazy(() => z.object({ pipelineId: Id, name: z.string(), stages: z.array(FunnelStage) })),
  'Count and value per stage, conversion between stages and time spent in each.',
);

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;

export const Deal = named(
  'Deal',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      pipelineId: Id,
      stageId: z.string(),
      status: z.enum(DEAL_STATUSES),
      probability: z.int(),
      amount: MinorUnits,
      currency: z.string(),
      expectedCloseDate: z.optional(IsoDate),
      ownerId: z.optional(Id),
      contactIds: z.array(Id),
      companyId: z.optional(Id),
      leadId: z.optional(Id),
      lostReason: z.optional(z.string()),
      stageEnteredAt: IsoDateTime,
      closedAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'An opportunity moving through a pipeline.',
);
export type Deal = z.infer<typeof Deal>;

export const DealCreate = named(
  'DealCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(200),
      pipelineId: Id,
      stageId: z.optional(z.string()),
      amount: z._default(MinorUnits, 0),
      currency: z.optional(Currency),
      expectedCloseDate: z.optional(IsoDate),
      ownerId: z.optional(Id),
      contactIds: z._default(z.array(Id).check(z.maxLength(20)), []),
      companyId: z.optional(Id),
    }),
  ),
);
export type DealCreate = z.infer<typeof DealCreate>;

export const DealUpdate = named(
  'DealUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      stageId: z.optional(z.string()),
      amount: z.optional(MinorUnits),
      currency: z.optional(Currency),
      expectedCloseDate: z.optional(z.nullable(IsoDate)),
      ownerId: z.optional(z.nullable(Id)),
      contactIds: z.optional(z.array(Id).check(z.maxLength(20))),
      companyId: z.optional(z.nullable(Id)),
      lostReason: z.optional(z.nullable(z.string().check(z.maxLength(500)))),
    }),
  ),
);
export type DealUpdate = z.infer<typeof DealUpdate>;

export const StageChange = named(
  'StageChange',
  lazy(() =>
    z.object({
      id: Id,
      dealId: Id,
      pipelineId: Id,
      /** Absent for the stage a deal was created in. */
      fromStageId: z.optional(z.string()),
      toStageId: z.string(),
      at: IsoDateTime,
      /** How long the deal had been in the stage it left. */
      secondsInPreviousStage: z.optional(z.int()),
      actor: z.string(),
    }),
  ),
  'A deal entering a stage.',
);
export type StageChange = z.infer<typeof StageChange>;

export const LeadConversionResult = named(
  'LeadConversionResult',
  lazy(() =>
    z.object({
      lead: Lead,
      contactId: Id,
      companyId: z.optional(Id),
      deal: Deal,
      /** Whether conversion created the contact and the company, or found them by email and domain. */
      createdContact: z.boolean(),
      createdCompany: z.boolean(),
    }),
  ),
);
export type LeadConversionResult = z.infer<typeof LeadConversionResult>;

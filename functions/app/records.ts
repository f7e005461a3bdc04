import { automationKeys } from '../../shared/automation/keys.ts';
import { caseKeys } from '../../shared/cases/keys.ts';
import { activityKeys, companyKeys, contactKeys } from '../../shared/contacts/keys.ts';
import { invoiceKeys } from '../../shared/invoicing/keys.ts';
import {
  campaignKeys,
  listKeys,
  newsletterKeys,
  segmentKeys,
  templateKeys,
  topicKeys,
} from '../../shared/marketing/keys.ts';
import type { RecordKinds } from '../../shared/platform/references.ts';
import {
  dealKeys,
  leadKeys,
  orderKeys,
  pipelineKeys,
  priceListKeys,
  productKeys,
  quoteKeys,
  supplierKeys,
} from '../../shared/sales/keys.ts';
import { responseKeys, surveyKeys } from '../../shared/surveys/keys.ts';
import { taskKeys } from '../../shared/tasks/keys.ts';
import { tenancyKeys } from '../../shared/tenancy/keys.ts';

/**
 * The kinds of record a request can reference (routes declare `references`), with the key of
 * each, declared here, above the modules, so that any module can reference any record without
 * importing the module that keeps it. `vanishes`: records of the kind can be deleted, so the
 * request's transaction checks them again (platform/references.ts). Task links name their kind
 * in `type`, so the link types are kinds too; routes that address a record and declare
 * references name its kind as `resource`.
 */
export const recordKinds: RecordKinds = {
  contact: { label: 'Contact', key: contactKeys.contact, vanishes: true },
  case: { label: 'Case', key: caseKeys.case },
  company: { label: 'Company', key: companyKeys.company },
  member: { label: 'Member', key: tenancyKeys.member },
  lead: { label: 'Lead', key: leadKeys.lead },
  pipeline: { label: 'Pipeline', key: pipelineKeys.pipeline },
  deal: { label: 'Deal', key: dealKeys.deal },
  product: { label: 'Product', key: productKeys.product },
  priceList: { label: 'Price list', key: priceListKeys.priceList },
  supplier: { label: 'Supplier', key: supplierKeys.supplier },
  quote: { label: 'Quote', key: quoteKeys.quote },
  order: { label: 'Order', key: orderKeys.order },
  invoice: { label: 'Invoice', key: invoiceKeys.invoice },
  list: { label: 'List', key: listKeys.list, vanishes: true },
  segment: { label: 'Segment', key: segmentKeys.segment, vanishes: true },
  template: { label: 'Template', key: templateKeys.template, vanishes: true },
  topic: { label: 'Topic', key: topicKeys.topic },
  survey_response: { label: 'Survey response', key: responseKeys.response },
  activity: { label: 'Activity', key: activityKeys.activity, vanishes: true },
  task: { label: 'Task', key: taskKeys.task },
  recurringTask: { label: 'Recurring task', key: taskKeys.recurring, vanishes: true },
  automationRule: { label: 'Automation rule', key: automationKeys.rule, vanishes: true },
  campaign: { label: 'Campaign', key: campaignKeys.campaign },
  newsletter: { label: 'Newsletter', key: newsletterKeys.newsletter, vanishes: true },
  survey: { label: 'Survey', key: surveyKeys.survey },
};

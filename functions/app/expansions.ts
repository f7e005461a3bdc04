import { companyKeys, contactKeys } from '../../shared/contacts/keys.ts';
import { contactFromItem } from '../../shared/contacts/records.ts';
import { Company, Contact } from '../../shared/contacts/schema.ts';
import type { ExpandableKinds } from '../../shared/platform/http/expand.ts';
import { dealKeys, pipelineKeys } from '../../shared/sales/keys.ts';
import { Deal, Pipeline } from '../../shared/sales/schema.ts';
import { tenancyKeys } from '../../shared/tenancy/keys.ts';
import { Member } from '../../shared/tenancy/schema.ts';

/**
 * The kinds of record a route's `expand` relations may name, with how each is read and shown: the
 * same schema as its own read route, so an expanded record carries exactly the fields a GET would
 * (storage attributes never leave). Declared above the modules, like records.ts.
 */
export const expandableKinds: ExpandableKinds = {
  contact: { key: contactKeys.contact, show: (item) => Contact.parse(contactFromItem(item)) },
  company: { key: companyKeys.company, show: (item) => Company.parse(item) },
  member: { key: tenancyKeys.member, show: (item) => Member.parse(item) },
  deal: { key: dealKeys.deal, show: (item) => Deal.parse(item) },
  pipeline: { key: pipelineKeys.pipeline, show: (item) => Pipeline.parse(item) },
};

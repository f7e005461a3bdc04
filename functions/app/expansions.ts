import { companyKeys, contactKeys } from '../../shared/contacts/keys.ts';
import { contactFromItem } from '../../shared/contacts/records.ts';
import type { ExpandableKinds } from '../../shared/platform/http/expand.ts';
import { dealKeys, pipelineKeys } from '../../shared/sales/keys.ts';
import { tenancyKeys } from '../../shared/tenancy/keys.ts';

// The schemas load on the first `?expand=` that needs them, not at the cold start of every
// function that offers expansions: most requests expand nothing.
const contacts = () => import('../../shared/contacts/schema.ts');
const sales = () => import('../../shared/sales/schema.ts');
const tenancy = () => import('../../shared/tenancy/schema.ts');

/**
 * The kinds of record a route's `expand` relations may name, with how each is read and shown: the
 * same schema as its own read route, so an expanded record carries exactly the fields a GET would
 * (storage attributes never leave). Declared above the modules, like records.ts.
 */
export const expandableKinds: ExpandableKinds = {
  contact: {
    key: contactKeys.contact,
    show: async (item) => (await contacts()).Contact.parse(contactFromItem(item)),
  },
  company: { key: companyKeys.company, show: async (item) => (await contacts()).Company.parse(item) },
  member: { key: tenancyKeys.member, show: async (item) => (await tenancy()).Member.parse(item) },
  deal: { key: dealKeys.deal, show: async (item) => (await sales()).Deal.parse(item) },
  pipeline: { key: pipelineKeys.pipeline, show: async (item) => (await sales()).Pipeline.parse(item) },
};

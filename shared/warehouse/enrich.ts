import type { Enrichment } from '../../events/facts.ts';
import { companyKeys, contactKeys } from '../contacts/keys.ts';
import { invoiceKeys } from '../invoicing/keys.ts';
import { tenantContext } from '../platform/context.ts';
import { asTenantId, type ItemKey } from '../platform/db/keys.ts';
import { getItem, getItems, type Item } from '../platform/db/repository.ts';
import { orderKeys, pipelineKeys, productKeys } from '../sales/keys.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import type { FactRow } from './schema.ts';

/**
 * Dimensions looked up at ingest (events/facts.ts, ENRICHMENTS): for a whole batch of facts, one
 * BatchGet per kind of record (contacts, members, products, orders, invoices, pipelines), then one
 * for the products named by order and invoice lines; never a query, never a scan. A dimension the
 * event carried itself is kept. A contact erased since the event (its erasure tombstone exists)
 * leaves the fact anonymous: no contact id, no demographics; one merged into another since (its
 * merge tombstone) leaves it to the contact it became.
 */
export interface FactToEnrich {
  tenantId: string;
  row: FactRow;
  enrich: readonly Enrichment[];
}

const system = { type: 'system', process: 'warehouse-ingest' } as const;

/** Merge chains longer than this are not followed (as in shared/contacts/tombstones.ts). */
const MAX_MERGE_HOPS = 10;

/** Age bands analytics reads (issue 15): by the contact's age in the year of the fact. */
export function ageBand(birthYear: number, at: Date): string {
  const age = at.getUTCFullYear() - birthYear;
  if (age < 18) return 'under_18';
  if (age < 25) return '18_24';
  if (age < 35) return '25_34';
  if (age < 45) return '35_44';
  if (age < 55) return '45_54';
  if (age < 65) return '55_64';
  return '65_plus';
}

type Address = { country?: string; region?: string };
type Line = { productId?: string; quantity?: number; lineAmount?: number; subtotal?: number };

class Reads {
  readonly #keys = new Map<string, ItemKey>();
  readonly #found = new Map<string, Item>();

  want(key: ItemKey): void {
    this.#keys.set(`${key.PK}|${key.SK}`, key);
  }

  get(key: ItemKey): Item | undefined {
    return this.#found.get(`${key.PK}|${key.SK}`);
  }

  async load(tenantId: string): Promise<void> {
    const pending = [...this.#keys.values()].filter((k) => !this.#found.has(`${k.PK}|${k.SK}`));
    if (pending.length === 0) return;
    const ctx = tenantContext({ tenantId: asTenantId(tenantId), actor: system });
    for (const item of await getItems(ctx, pending)) this.#found.set(`${item.PK}|${item.SK}`, item);
  }
}

/**
 * Whether a tenant item still takes facts: absent (removed), or frozen for removal (a confirmed
 * deletion whose `deleteAfter` has come, an unverified tenant being removed), it does not. A
 * tenant frozen within its deletion's grace period still does: the deletion may be cancelled.
 */
export function takesFacts(tenant: Item | undefined, now: Date): boolean {
  if (!tenant) return false;
  if (tenant.status !== 'frozen') return true;
  const deleteAfter = (tenant.deletion as { deleteAfter?: unknown } | undefined)?.deleteAfter;
  return typeof deleteAfter === 'string' && Date.parse(deleteAfter) > now.getTime();
}

/**
 * The tenants of a batch whose events must not land: removed, or being removed. Without this, a
 * late event (SES reports opens for weeks) would make `facts/tenant=<id>/` again after the
 * tenant's purge deleted it, and nothing would ever delete it again. One read per tenant per batch.
 */
export async function tenantsGone(tenantIds: Iterable<string>, now: Date): Promise<Set<string>> {
  const gone = new Set<string>();
  await Promise.all(
    [...new Set(tenantIds)].map(async (tenantId) => {
      const t = asTenantId(tenantId);
      const ctx = tenantContext({ tenantId: t, actor: system });
      if (!takesFacts(await getItem(ctx, tenancyKeys.tenant(t), { consistent: true }), now))
        gone.add(tenantId);
    }),
  );
  return gone;
}

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export async function enrichFacts(facts: FactToEnrich[]): Promise<void> {
  const byTenant = new Map<string, FactToEnrich[]>();
  for (const fact of facts) byTenant.set(fact.tenantId, [...(byTenant.get(fact.tenantId) ?? []), fact]);
  for (const [tenantId, group] of byTenant) await enrichTenant(tenantId, group);
}

async function enrichTenant(tenantId: string, facts: FactToEnrich[]): Promise<void> {
  const t = asTenantId(tenantId);
  const reads = new Reads();
  const wants = (fact: FactToEnrich, kind: Enrichment) => fact.enrich.includes(kind);
  const wantContact = (fact: FactToEnrich) => {
    const contactId = str(fact.row.contact_id);
    if (!contactId) return;
    reads.want(contactKeys.erasure(t, contactId));
    reads.want(contactKeys.merged(t, contactId));
    if (wants(fact, 'customer') || wants(fact, 'profile')) reads.want(contactKeys.contact(t, contactId));
  };
  for (const fact of facts) {
    const { row } = fact;
    wantContact(fact);
    const companyId = str(row.company_id);
    if (companyId && wants(fact, 'customer')) reads.want(companyKeys.company(t, companyId));
    const ownerId = str(row.owner_id);
    if (ownerId && wants(fact, 'owner')) reads.want(tenancyKeys.member(t, ownerId));
    const productId = str(row.product_id);
    if (productId && wants(fact, 'product')) reads.want(productKeys.product(t, productId));
    const orderId = str(row.order_id);
    if (orderId && wants(fact, 'order-lines')) reads.want(orderKeys.order(t, orderId));
    const invoiceId = str(row.invoice_id);
    if (invoiceId && wants(fact, 'invoice-lines')) reads.want(invoiceKeys.invoice(t, invoiceId));
    const pipelineId = str(row.pipeline_id);
    if (pipelineId && wants(fact, 'stages')) reads.want(pipelineKeys.pipeline(t, pipelineId));
  }
  await reads.load(tenantId);

  // Who each fact's contact is now: an erased one nobody; a merged-away one the contact it was
  // merged into, along chains (one more round of reads per hop, only for facts that need it), so
  // a fact delivered after a merge belongs to the contact that exists (docs/analytics.md).
  let resolving = facts.filter((f) => str(f.row.contact_id));
  for (let hop = 0; resolving.length; hop++) {
    const next: FactToEnrich[] = [];
    for (const fact of resolving) {
      const contactId = str(fact.row.contact_id)!;
      const into = str(reads.get(contactKeys.merged(t, contactId))?.mergedInto);
      if (reads.get(contactKeys.erasure(t, contactId))) fact.row.contact_id = null;
      else if (into && hop < MAX_MERGE_HOPS) {
        fact.row.contact_id = into;
        wantContact(fact);
        next.push(fact);
      }
    }
    if (next.length) await reads.load(tenantId);
    resolving = next;
  }

  // The products that lines name, for their categories.
  const linesOf = (fact: FactToEnrich): Line[] | undefined => {
    const orderId = str(fact.row.order_id);
    const invoiceId = str(fact.row.invoice_id);
    if (wants(fact, 'order-lines') && orderId)
      return reads.get(orderKeys.order(t, orderId))?.lines as Line[] | undefined;
    if (wants(fact, 'invoice-lines') && invoiceId)
      return reads.get(invoiceKeys.invoice(t, invoiceId))?.lines as Line[] | undefined;
    return undefined;
  };
  for (const fact of facts) {
    for (const line of linesOf(fact) ?? [])
      if (line.productId) reads.want(productKeys.product(t, line.productId));
  }
  await reads.load(tenantId);

  for (const fact of facts) {
    const { row } = fact;
    const fill = (column: keyof FactRow, value: FactRow[keyof FactRow] | undefined) => {
      if ((row[column] === undefined || row[column] === null) && value !== undefined && value !== null)
        row[column] = value;
    };
    const contactId = str(row.contact_id);
    const contact = contactId ? reads.get(contactKeys.contact(t, contactId)) : undefined;
    if (wants(fact, 'customer')) {
      const companyId = str(row.company_id) ?? str(contact?.companyId);
      const company = companyId ? reads.get(companyKeys.company(t, companyId)) : undefined;
      const address =
        (contact?.addresses as Address[] | undefined)?.[0] ??
        (company?.addresses as Address[] | undefined)?.[0];
      fill('country', str(address?.country));
      fill('region', str(address?.region) ?? str(company?.region));
      fill('company_id', companyId);
    }
    if (wants(fact, 'profile') && contact) {
      const demographics = contact.demographics as
        | { birthYear?: number; gender?: string; householdIncomeBand?: string }
        | undefined;
      fill('gender', str(demographics?.gender));
      fill('income_band', str(demographics?.householdIncomeBand));
      if (typeof demographics?.birthYear === 'number')
        fill('age_band', ageBand(demographics.birthYear, new Date(Number(row.occurred_at))));
    }
    const ownerId = str(row.owner_id);
    if (wants(fact, 'owner') && ownerId) fill('team', str(reads.get(tenancyKeys.member(t, ownerId))?.team));
    const productId = str(row.product_id);
    if (wants(fact, 'product') && productId)
      fill('category', str(reads.get(productKeys.product(t, productId))?.category));
    const lines = linesOf(fact);
    if (lines) {
      const category = (id: string | undefined) =>
        (id ? str(reads.get(productKeys.product(t, id))?.category) : undefined) ?? '';
      fill(
        'line_product_ids',
        lines.map((l) => l.productId ?? ''),
      );
      fill(
        'line_categories',
        lines.map((l) => category(l.productId)),
      );
      fill(
        'line_quantities',
        lines.map((l) => l.quantity ?? 0),
      );
      // Net of tax: an order line's lineAmount, an invoice line's subtotal.
      fill(
        'line_amounts',
        lines.map((l) => l.lineAmount ?? l.subtotal ?? 0),
      );
      const record = wants(fact, 'order-lines')
        ? reads.get(orderKeys.order(t, str(row.order_id)!))
        : reads.get(invoiceKeys.invoice(t, str(row.invoice_id)!));
      if (typeof record?.subtotal === 'number') fill('net_amount', record.subtotal);
      fill('due_date', str(record?.dueDate));
    }
    const pipelineId = str(row.pipeline_id);
    if (wants(fact, 'stages') && pipelineId) {
      const stages = (reads.get(pipelineKeys.pipeline(t, pipelineId))?.stages ?? []) as Array<{
        id: string;
        outcome?: string;
        probability?: number;
      }>;
      const at = (id: unknown) => stages.findIndex((s) => s.id === id);
      const to = at(row.stage_id);
      if (to >= 0) {
        fill('stage_position', to + 1);
        fill('stage_outcome', stages[to]!.outcome);
        fill('stage_probability', stages[to]!.probability);
      }
      const from = at(row.from_stage_id);
      if (from >= 0) fill('from_stage_position', from + 1);
    }
  }
}

import { companyKeys, contactKeys } from '../contacts/keys.ts';
import { contactBecame } from '../contacts/tombstones.ts';
import { invoiceKeys } from '../invoicing/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import type { ItemKey, TenantId } from '../platform/db/keys.ts';
import { getItems } from '../platform/db/repository.ts';
import { UnprocessableError } from '../platform/errors.ts';
import { dealKeys, orderKeys, quoteKeys } from '../sales/keys.ts';
import type { Attachable } from './keys.ts';

type KeyOf = (t: TenantId, id: string) => ItemKey;

/**
 * The records a document can be attached to, by kind. Modules below documents are named here;
 * modules above (cases) register their kind, so documents never imports what builds on it.
 */
const keys = new Map<Attachable, KeyOf>([
  ['contact', contactKeys.contact],
  ['company', companyKeys.company],
  ['deal', dealKeys.deal],
  ['quote', quoteKeys.quote],
  ['order', orderKeys.order],
  ['invoice', invoiceKeys.invoice],
]);

export function registerAttachable(kind: Attachable, key: KeyOf): void {
  keys.set(kind, key);
}

/** The item key of each record a document would be attached to. */
export function targetKeys(ctx: TenantContext, targets: Array<{ kind: Attachable; id: string }>): ItemKey[] {
  return targets.map((t) => {
    const key = keys.get(t.kind);
    if (!key) throw new Error(`No key registered for attachable kind ${t.kind}.`);
    return key(ctx.tenantId, t.id);
  });
}

/** Whether each record exists, in the order given (one BatchGet). */
export async function targetsPresent(
  ctx: TenantContext,
  targets: Array<{ kind: Attachable; id: string }>,
): Promise<boolean[]> {
  const wanted = targetKeys(ctx, targets);
  const found = new Set((await getItems(ctx, wanted)).map((item) => `${item.PK}|${item.SK}`));
  return wanted.map((key) => found.has(`${key.PK}|${key.SK}`));
}

/**
 * The records a document announced for `targets` can still be attached to: those still there,
 * and for a contact merged away since, the contact it became (an erased one is dropped, as its
 * documents were). Each record once, in the order given.
 */
export async function targetsNow(
  ctx: TenantContext,
  targets: Array<{ kind: Attachable; id: string }>,
): Promise<Array<{ kind: Attachable; id: string }>> {
  const present = await targetsPresent(ctx, targets);
  const now = await Promise.all(
    targets.map(async (target, i) => {
      if (present[i]) return target;
      if (target.kind !== 'contact') return undefined;
      const became = await contactBecame(ctx, target.id);
      if (became.erased || became.id === target.id) return undefined;
      const [there] = await targetsPresent(ctx, [{ kind: 'contact', id: became.id }]);
      return there ? { kind: 'contact' as const, id: became.id } : undefined;
    }),
  );
  const seen = new Set<string>();
  return now.filter((target): target is { kind: Attachable; id: string } => {
    if (!target || seen.has(`${target.kind}#${target.id}`)) return false;
    seen.add(`${target.kind}#${target.id}`);
    return true;
  });
}

/** 422 naming `attachTo.<i>.id` for each record that does not exist (one BatchGet). */
export async function assertAttachable(
  ctx: TenantContext,
  targets: Array<{ kind: Attachable; id: string }>,
): Promise<void> {
  const missing = (await targetsPresent(ctx, targets)).indexOf(false);
  if (missing >= 0)
    throw UnprocessableError.field(
      `body.attachTo.${missing}.id`,
      `No ${targets[missing]!.kind} ${targets[missing]!.id} in this tenant.`,
    );
}

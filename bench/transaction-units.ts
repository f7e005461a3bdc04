import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * The write capacity DynamoDB bills for a TransactWriteItems, from its items, by the published
 * rules: each action on the table costs twice a standard write of its item (a transaction
 * prepares and commits every item), that is 2 units per KB, rounded up per item (a
 * ConditionCheck costs as a write of the item it checks, which it reads); each global secondary
 * index the written item is in takes a standard write of 1 unit per KB (index updates are
 * propagated, not transactional). An update is sized by the item after it; a delete by 1 KB (the
 * item is gone when the meter looks), without the index deletes it may cause: the figure is a
 * floor for deletes, exact for puts and updates.
 */
type Plain = Record<string, unknown>;

interface TransactionInput {
  TransactItems?: Array<{
    Put?: { TableName?: string; Item?: Plain };
    Update?: { TableName?: string; Key?: Plain };
    Delete?: { TableName?: string; Key?: Plain };
    ConditionCheck?: { TableName?: string; Key?: Plain };
  }>;
}

export async function transactionUnits(
  input: TransactionInput,
  read: (key: { TableName: string; Key: Plain }) => Promise<Plain | undefined>,
): Promise<number> {
  let units = 0;
  for (const action of input.TransactItems ?? []) {
    if (action.Put?.Item) {
      units += itemUnits(action.Put.Item);
      continue;
    }
    const keyed = action.Update ?? action.ConditionCheck;
    if (keyed?.Key && keyed.TableName) {
      const item = await read({ TableName: keyed.TableName, Key: keyed.Key });
      units += item ? (action.Update ? itemUnits(item) : 2 * kb(item)) : 2;
      continue;
    }
    if (action.Delete) units += 2;
  }
  return units;
}

/** Table and index units of writing this item in a transaction. */
export function itemUnits(item: Plain): number {
  const size = kb(item);
  const indexes = Object.keys(item).filter(
    (name) => /^GSI\dPK$/.test(name) && item[name.replace(/PK$/, 'SK')] !== undefined,
  );
  return 2 * size + indexes.length * size;
}

function kb(item: Plain): number {
  return Math.max(1, Math.ceil(itemBytes(item) / 1024));
}

/** DynamoDB's item size: attribute names and values, as its documentation counts them. */
export function itemBytes(item: Plain): number {
  const marshalled = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
  return Object.entries(marshalled).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value as unknown as Attribute),
    0,
  );
}

type Attribute = Record<string, unknown>;

function valueBytes(value: Attribute): number {
  const [type, v] = Object.entries(value)[0] as [string, unknown];
  switch (type) {
    case 'S':
      return Buffer.byteLength(v as string);
    case 'N':
      return Math.ceil(String(v).replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
    case 'B':
      return (v as Uint8Array).byteLength;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (v as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    case 'NS':
      return (v as string[]).reduce((sum, n) => sum + Math.ceil(n.length / 2) + 1, 0);
    case 'L':
      return 3 + (v as Attribute[]).reduce((sum, element) => sum + 1 + valueBytes(element), 0);
    case 'M':
      return (
        3 +
        Object.entries(v as Record<string, Attribute>).reduce(
          (sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + valueBytes(element),
          0,
        )
      );
    default:
      return 0;
  }
}

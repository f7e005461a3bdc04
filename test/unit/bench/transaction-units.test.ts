import { describe, expect, it } from 'vitest';
import { itemBytes, itemUnits, transactionUnits } from '../../../bench/transaction-units.ts';

describe('the capacity of a transaction, by DynamoDB’s pricing rules', () => {
  it('sizes items as DynamoDB counts them: names and values', () => {
    expect(itemBytes({ PK: 'ab', n: 12345 })).toBe(2 + 2 + 1 + 4);
    expect(itemBytes({ tags: ['a', 'bc'] })).toBe(4 + 3 + 1 + 1 + 1 + 2);
  });

  it('costs two units per KB of each item, and one per KB for each index the item is in', () => {
    expect(itemUnits({ PK: 'p', SK: 's' })).toBe(2);
    expect(itemUnits({ PK: 'p', SK: 's', GSI1PK: 'x', GSI1SK: 'y', GSI3PK: 'z' })).toBe(3);
    expect(itemUnits({ PK: 'p', SK: 's', big: 'x'.repeat(1500), GSI2PK: 'x', GSI2SK: 'y' })).toBe(6);
  });

  it('reads an updated item to size it, and counts a checked item as a write of it', async () => {
    const stored = { PK: 'p', SK: 's', GSI1PK: 'a', GSI1SK: 'b' };
    const units = await transactionUnits(
      {
        TransactItems: [
          { Put: { TableName: 't', Item: { PK: 'q', SK: 's' } } },
          { Update: { TableName: 't', Key: { PK: 'p', SK: 's' } } },
          { ConditionCheck: { TableName: 't', Key: { PK: 'p', SK: 's' } } },
          { Delete: { TableName: 't', Key: { PK: 'r', SK: 's' } } },
        ],
      },
      async () => stored,
    );
    expect(units).toBe(2 + 3 + 2 + 2);
  });
});

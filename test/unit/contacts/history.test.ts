import { describe, expect, it } from 'vitest';
import { fieldChanges } from '../../../shared/contacts/history.ts';

describe('a change history entry', () => {
  it('names only the fields a contact was created with, not its empty lists and maps', () => {
    const created = { firstName: 'Ada', emails: [], phones: [], tags: ['vip'], customFields: {} };
    expect(fieldChanges({}, created, ['firstName', 'emails', 'phones', 'tags', 'customFields'])).toEqual({
      firstName: { from: null, to: 'Ada' },
      tags: { from: null, to: ['vip'] },
    });
  });

  it('records a list emptied or a map cleared, with the value it had', () => {
    const before = { tags: ['vip'], customFields: { tier: 'gold' } };
    const after = { tags: [], customFields: {} };
    expect(fieldChanges(before, after, ['tags', 'customFields'])).toEqual({
      tags: { from: ['vip'], to: [] },
      customFields: { from: { tier: 'gold' }, to: {} },
    });
  });

  it('sees no change where a map differs only in the order of its keys', () => {
    expect(
      fieldChanges({ customFields: { a: 1, b: 2 } }, { customFields: { b: 2, a: 1 } }, ['customFields']),
    ).toEqual({});
  });
});

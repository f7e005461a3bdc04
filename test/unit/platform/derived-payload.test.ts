import { describe, expect, it } from 'vitest';
import { packDerived, unpackDerived } from '../../../shared/platform/db/derived-payload.ts';

const history = {
  item: {
    PK: 'T#t#CONTACT#c',
    SK: 'HIST#h',
    entity: 'HistoryEntry',
    changes: { tags: { from: null, to: ['customer', 'newsletter'] }, score: { from: 1.5, to: 2 } },
  },
  parent: { PK: 'T#t#CONTACT#c', SK: 'CONTACT' },
};

describe('derived items carried on an outbox item', () => {
  it('come back whole from the bytes the SDK hands, and from the base64 of a Lambda stream event', () => {
    const packed = packDerived([history]);
    expect(unpackDerived(packed)).toEqual([history]);
    expect(unpackDerived(Buffer.from(packed).toString('base64'))).toEqual([history]);
  });

  it('take fewer bytes than the list they replace, so a created history entry leaves the outbox item under 1 KB', () => {
    const entry = {
      ...history,
      item: {
        ...history.item,
        changes: Object.fromEntries(
          ['firstName', 'lastName', 'email', 'companyId', 'ownerId', 'lifecycleStage'].map((f) => [
            f,
            { from: null, to: `01M91DGXKZ7B5WG73E3SFQ9J${f}` },
          ]),
        ),
      },
    };
    expect(packDerived([entry]).byteLength).toBeLessThan(JSON.stringify([entry]).length * 0.6);
  });

  it('still read as a list on outbox items written before they were packed, and as nothing when absent', () => {
    expect(unpackDerived([history])).toEqual([history]);
    expect(unpackDerived(undefined)).toEqual([]);
  });
});

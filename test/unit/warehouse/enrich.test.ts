import { describe, expect, it } from 'vitest';
import { takesFacts } from '../../../shared/warehouse/enrich.ts';

/** Which tenants the warehouse still writes facts for (events of the others are dropped). */
describe('a tenant taking facts', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const frozen = (deleteAfter?: string) => ({
    status: 'frozen',
    ...(deleteAfter ? { deletion: { id: 'd', deleteAfter } } : {}),
  });

  it('takes them while active, or frozen within its grace period (the deletion may be cancelled)', () => {
    expect(takesFacts({ status: 'active' }, now)).toBe(true);
    expect(takesFacts({}, now)).toBe(true);
    expect(takesFacts(frozen('2026-12-10T00:00:00Z'), now)).toBe(true);
  });

  it('takes none once removed, its removal due, or frozen for an unverified tenant’s removal', () => {
    expect(takesFacts(undefined, now)).toBe(false);
    expect(takesFacts(frozen('2026-11-30T00:00:00Z'), now)).toBe(false);
    expect(takesFacts(frozen(), now)).toBe(false);
  });
});

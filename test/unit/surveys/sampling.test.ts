import { describe, expect, it } from 'vitest';
import { type Candidate, sample } from '../../../shared/surveys/sampling.ts';

const now = new Date('2026-06-30T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
const customer = (overrides: Partial<Candidate> = {}): Candidate => ({
  contactId: '01JAAAAAAAAAAAAAAAAAAAAAAA',
  lifecycleStage: 'customer',
  customerSince: daysAgo(400),
  ...overrides,
});

describe('sampling', () => {
  it('invites everyone when the survey sets no rule', () => {
    expect(sample(customer({ lifecycleStage: 'lead', customerSince: undefined }), {}, now)).toEqual({
      invite: true,
    });
  });

  it('skips a contact invited to any survey within the last N days, and invites them after', () => {
    const rules = { skipIfSurveyedWithinDays: 90 };
    expect(sample(customer({ lastSurveyedAt: daysAgo(89) }), rules, now)).toEqual({
      invite: false,
      reason: 'recently_surveyed',
    });
    expect(sample(customer({ lastSurveyedAt: daysAgo(91) }), rules, now)).toEqual({ invite: true });
    expect(sample(customer(), rules, now)).toEqual({ invite: true });
  });

  it('invites only customers of at least N days', () => {
    const rules = { customersForAtLeastDays: 30 };
    expect(sample(customer({ customerSince: daysAgo(10) }), rules, now)).toEqual({
      invite: false,
      reason: 'customer_too_recent',
    });
    expect(sample(customer({ lifecycleStage: 'prospect', customerSince: undefined }), rules, now)).toEqual({
      invite: false,
      reason: 'not_a_customer',
    });
    expect(sample(customer({ customerSince: daysAgo(30) }), rules, now)).toEqual({ invite: true });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Calls in the calendar say who to call and whether now is a good time (issue 19, item 7). The
 * runtime's clock is moved to Wednesday 2030-01-02 16:30 UTC: 17:30 in Paris, 11:30 in New York.
 */
const NOW = new Date('2030-01-02T16:30:00Z');
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  // Signing up verifies by a mailed link checked against the real time; then the clock moves on.
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  const moved = await new Api(runtime.urls.api).post('/_local/clock', { now: NOW.toISOString() });
  expect(moved.status, moved.text).toBe(200);
});

afterAll(async () => {
  await runtime?.stop();
});

async function contactWithCall(
  firstName: string,
  bestTimeToCall: Record<string, unknown> | undefined,
  at: string,
): Promise<{ contactId: string; callId: string }> {
  const contact = await tenant.api.post('/v1/contacts', {
    firstName,
    lastName: 'Caller',
    phones: [{ number: '+33612345678' }],
    ...(bestTimeToCall ? { bestTimeToCall } : {}),
  });
  expect(contact.status, contact.text).toBe(201);
  const call = await tenant.api.post('/v1/activities', {
    type: 'call',
    contactIds: [contact.body.id],
    call: { direction: 'outbound', at, purpose: `Call ${firstName}`, outcome: 'scheduled' },
  });
  expect(call.status, call.text).toBe(201);
  return { contactId: contact.body.id, callId: call.body.id };
}

describe('calls in the calendar', () => {
  it("carry the contact's name and phone, and reachableNow keeps those within their best time to call", async () => {
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
    // 11:30 in New York, within 09:00-12:00 on a Wednesday: reachable.
    const ny = await contactWithCall(
      'Nadia',
      { days: weekdays, from: '09:00', to: '12:00', timeZone: 'America/New_York' },
      '2030-01-03T15:00:00Z',
    );
    // The same hours read in UTC would include 16:30 UTC, but in Paris it is 17:30: not reachable.
    await contactWithCall(
      'Pierre',
      { days: weekdays, from: '09:00', to: '17:00', timeZone: 'Europe/Paris' },
      '2030-01-03T09:00:00Z',
    );
    // Within the hours, but only on weekends.
    await contactWithCall(
      'Wendy',
      { days: ['sat', 'sun'], from: '08:00', to: '20:00', timeZone: 'America/New_York' },
      '2030-01-03T10:00:00Z',
    );
    // Never said when to call.
    await contactWithCall('Una', undefined, '2030-01-03T11:00:00Z');

    const window = 'from=2030-01-02T00:00:00Z&to=2030-01-09T00:00:00Z';
    const all = await tenant.api.get(`/v1/calendar?${window}`);
    expect(all.status, all.text).toBe(200);
    const calls = all.body.items.filter((i: { kind: string }) => i.kind === 'call');
    expect(calls.map((c: { contact: { name: string; reachableNow: boolean } }) => c.contact)).toEqual([
      expect.objectContaining({ name: 'Pierre Caller', phone: '+33612345678', reachableNow: false }),
      expect.objectContaining({ name: 'Wendy Caller', phone: '+33612345678', reachableNow: false }),
      expect.objectContaining({ name: 'Una Caller', phone: '+33612345678', reachableNow: false }),
      expect.objectContaining({
        id: ny.contactId,
        name: 'Nadia Caller',
        phone: '+33612345678',
        bestTimeToCall: expect.objectContaining({ timeZone: 'America/New_York' }),
        reachableNow: true,
      }),
    ]);

    const reachable = await tenant.api.get(`/v1/calendar?${window}&reachableNow=true`);
    expect(reachable.status, reachable.text).toBe(200);
    expect(reachable.body.items.map((i: { id: string }) => i.id)).toEqual([ny.callId]);
  });
});

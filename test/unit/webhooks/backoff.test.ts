import { describe, expect, it } from 'vitest';
import { isId } from '../../../shared/platform/ids.ts';
import {
  type BackoffState,
  MAX_RETRY_DELAY_MS,
  nextRetry,
  RETRY_HORIZON_MS,
} from '../../../shared/webhooks/backoff.ts';
import { bodyOf, deliveryIdOf } from '../../../shared/webhooks/deliveries.ts';

/** The retry times of one failing delivery, from its first attempt until retries stop. */
function schedule(baseSeconds: number): Date[] {
  const first = new Date('2026-03-02T09:00:00Z');
  const times: Date[] = [];
  let now = first;
  let state: BackoffState | undefined;
  for (;;) {
    const retry = nextRetry(now, first, state, baseSeconds);
    if (!retry) return times;
    times.push(retry.at);
    now = retry.at;
    state = retry.state;
  }
}

describe('webhook retries', () => {
  it('grow exponentially from the base, with jitter, and stop three days after the first attempt', () => {
    const first = new Date('2026-03-02T09:00:00Z').getTime();
    for (let run = 0; run < 20; run++) {
      const times = schedule(30);
      const delays = times.map((t, i) => t.getTime() - (i ? times[i - 1]!.getTime() : first));
      expect(times.at(-1)!.getTime()).toBe(first + RETRY_HORIZON_MS);
      expect(times.length).toBeGreaterThan(8);
      expect(times.length).toBeLessThan(30);
      expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
      // The first retries come within minutes; by the tenth the wait is counted in hours.
      expect(times[0]!.getTime() - first).toBeLessThan(5 * 60_000);
      expect(times[9]!.getTime() - first).toBeGreaterThan(3_600_000);
    }
  });

  it('are not the same for two deliveries failing together', () => {
    const a = schedule(30).slice(0, 5).map(Number);
    const b = schedule(30).slice(0, 5).map(Number);
    expect(a).not.toEqual(b);
  });
});

describe('a delivery', () => {
  it('has one id per endpoint and event, the same however often it is computed, sortable by event time', () => {
    const id = deliveryIdOf('E1', 'V1', '2026-03-02T09:00:00.000Z');
    expect(isId(id)).toBe(true);
    expect(deliveryIdOf('E1', 'V1', '2026-03-02T09:00:00.000Z')).toBe(id);
    expect(deliveryIdOf('E2', 'V1', '2026-03-02T09:00:00.000Z')).not.toBe(id);
    expect(deliveryIdOf('E1', 'V1', '2026-03-02T10:00:00.000Z') > id).toBe(true);
  });

  it('posts the Standard Webhooks shape: type, timestamp and data', () => {
    const body = JSON.parse(
      bodyOf({
        eventId: 'V1',
        type: 'InvoicePaid',
        occurredAt: '2026-03-02T09:00:00.000Z',
        tenantId: 'T1',
        payload: { total: 100 },
      }),
    );
    expect(body).toEqual({
      type: 'InvoicePaid',
      timestamp: '2026-03-02T09:00:00.000Z',
      eventId: 'V1',
      tenantId: 'T1',
      data: { total: 100 },
    });
  });
});

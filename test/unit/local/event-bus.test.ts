import { describe, expect, it } from 'vitest';
import type { RuleSpec } from '../../../functions/app/types.ts';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { type BusEvent, LocalEventBus } from '../../../infra/local/aws/event-bus.ts';

const rules: RuleSpec[] = [
  {
    name: 'invoice-issued-email',
    description: '',
    bus: 'domain',
    pattern: { source: ['funnel.invoices'], 'detail-type': ['InvoiceIssued'] },
    target: 'send-invoice-email',
  },
  {
    name: 'invoice-any-audit',
    description: '',
    bus: 'domain',
    pattern: { source: [{ prefix: 'funnel.' }] },
    target: 'audit',
  },
  {
    name: 'ses-bounces',
    description: '',
    bus: 'default',
    pattern: { source: ['aws.ses'], 'detail-type': ['Email Bounced'] },
    target: 'record-bounce',
  },
];

function setup(options: { fail?: (target: string, attempt: number) => boolean } = {}) {
  const calls: Array<{ target: string; event: BusEvent }> = [];
  const attempts = new Map<string, number>();
  const deadLetters = new MemoryDeadLetters();
  const bus = new LocalEventBus({
    rules,
    domainBusName: 'funnel-test',
    deadLetters,
    retry: { attempts: 3, delayMs: 1 },
    clock: { now: () => new Date('2025-03-01T10:00:00.123Z') },
    invoke: async (target, event) => {
      const n = (attempts.get(target) ?? 0) + 1;
      attempts.set(target, n);
      calls.push({ target, event: event as BusEvent });
      if (options.fail?.(target, n)) throw new Error(`${target} failed on attempt ${n}`);
      return { ok: true };
    },
  });
  return { bus, calls, deadLetters, attempts };
}

const issued = {
  EventBusName: 'funnel-test',
  Source: 'funnel.invoices',
  DetailType: 'InvoiceIssued',
  Detail: JSON.stringify({ tenantId: 't1', invoiceId: 'i1' }),
};

describe('LocalEventBus', () => {
  it('delivers the EventBridge envelope to every matching rule of the named bus, after putEvents returns', async () => {
    const { bus, calls } = setup();
    const [result] = bus.putEvents([issued]);
    expect(calls).toEqual([]);
    await bus.idle();
    expect(calls.map((c) => c.target).sort()).toEqual(['audit', 'send-invoice-email']);
    const event = calls[0]?.event;
    expect(event).toEqual({
      version: '0',
      id: result?.EventId,
      'detail-type': 'InvoiceIssued',
      source: 'funnel.invoices',
      account: '000000000000',
      time: '2025-03-01T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { tenantId: 't1', invoiceId: 'i1' },
    });
  });

  it('routes by bus: the default bus (by name, absent or by ARN) only reaches default-bus rules', async () => {
    const { bus, calls } = setup();
    const bounce = { Source: 'aws.ses', DetailType: 'Email Bounced', Detail: '{}' };
    bus.putEvents([
      bounce,
      { ...bounce, EventBusName: 'default' },
      { ...bounce, EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
      { ...bounce, EventBusName: 'funnel-test' },
      { ...issued, EventBusName: 'default' },
    ]);
    await bus.idle();
    expect(calls.map((c) => c.target)).toEqual(['record-bounce', 'record-bounce', 'record-bounce']);
  });

  it('accepts the domain bus by its ARN and uses the entry’s own time and resources', async () => {
    const { bus, calls } = setup();
    bus.putEvents([
      {
        ...issued,
        EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/funnel-test',
        Time: new Date('2024-12-24T18:00:00Z'),
        Resources: ['arn:aws:ses:us-east-1:000000000000:configuration-set/x'],
      },
    ]);
    await bus.idle();
    expect(calls[0]?.event.time).toBe('2024-12-24T18:00:00Z');
    expect(calls[0]?.event.resources).toEqual(['arn:aws:ses:us-east-1:000000000000:configuration-set/x']);
  });

  it('answers per entry, as PutEvents does, and delivers only the valid entries', async () => {
    const { bus, calls } = setup();
    const results = bus.putEvents([
      { ...issued, Detail: '{"unterminated' },
      { ...issued, Detail: '[1,2]' },
      { ...issued, Source: undefined },
      { ...issued, DetailType: '' },
      { ...issued, Detail: undefined },
      { ...issued, EventBusName: 'no-such-bus' },
      issued,
    ]);
    expect(results.map((r) => r.ErrorCode)).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'ResourceNotFoundException',
      undefined,
    ]);
    expect(results[2]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
    expect(results[6]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    await bus.idle();
    expect(calls).toHaveLength(2);
  });

  it('retries a failing target and succeeds without a dead letter', async () => {
    const { bus, deadLetters, attempts } = setup({ fail: (target, n) => target === 'audit' && n < 3 });
    bus.putEvents([issued]);
    await bus.idle();
    expect(attempts.get('audit')).toBe(3);
    expect(deadLetters.list()).toEqual([]);
  });

  it('records a dead letter after the last attempt, without holding back the other rule', async () => {
    const { bus, deadLetters, attempts } = setup({ fail: (target) => target === 'audit' });
    bus.putEvents([issued]);
    await bus.idle();
    expect(attempts.get('send-invoice-email')).toBe(1);
    const [letter] = deadLetters.list();
    expect(letter).toMatchObject({
      source: 'bus',
      name: 'invoice-any-audit',
      target: 'audit',
      attempts: 3,
      error: 'Error: audit failed on attempt 3',
      payload: { source: 'funnel.invoices', detail: { invoiceId: 'i1' } },
    });
  });

  it('replays a dead letter with the same event, and dead-letters it again if it still fails', async () => {
    let healthy = false;
    const { bus, deadLetters, calls } = setup({ fail: (target) => target === 'audit' && !healthy });
    bus.putEvents([issued]);
    await bus.idle();
    const first = deadLetters.take(deadLetters.list()[0]!.id)!;
    await bus.replay(first);
    expect(deadLetters.list()).toHaveLength(1);
    const second = deadLetters.take(deadLetters.list()[0]!.id)!;
    healthy = true;
    await bus.replay(second);
    expect(deadLetters.list()).toEqual([]);
    expect(calls.at(-1)?.event).toEqual(first.payload);
  });

  it('rulesFor tells which rules of a bus an event reaches', () => {
    const { bus } = setup();
    const event = {
      source: 'funnel.contacts',
      'detail-type': 'ContactCreated',
      detail: {},
    } as unknown as BusEvent;
    expect(bus.rulesFor(event, 'domain').map((r) => r.name)).toEqual(['invoice-any-audit']);
    expect(bus.rulesFor(event, 'default')).toEqual([]);
  });

  it('sends an event to a queue target as one message, the envelope as its body, without invoking', async () => {
    const sent: Array<{ queue: string; body: string }> = [];
    const invoked: string[] = [];
    const bus = new LocalEventBus({
      rules: [{ ...rules[0]!, target: 'invoice-mail', targetKind: 'queue' }],
      domainBusName: 'funnel-test',
      invoke: async (target) => {
        invoked.push(target);
      },
      sendMessage: (queue, body) => sent.push({ queue, body }),
      deadLetters: new MemoryDeadLetters(),
    });
    bus.putEvents([issued]);
    await bus.idle();
    expect(invoked).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.queue).toBe('invoice-mail');
    expect(JSON.parse(sent[0]!.body)).toMatchObject({
      source: 'funnel.invoices',
      'detail-type': 'InvoiceIssued',
      detail: { tenantId: 't1', invoiceId: 'i1' },
    });
    expect(
      () =>
        new LocalEventBus({
          rules: [{ ...rules[0]!, targetKind: 'queue' }],
          domainBusName: 'funnel-test',
          invoke: async () => undefined,
          deadLetters: new MemoryDeadLetters(),
        }),
    ).toThrow(/queue/);
  });

  it('refuses a rule with an invalid pattern at construction, naming the rule', () => {
    expect(
      () =>
        new LocalEventBus({
          rules: [{ ...rules[0]!, name: 'broken', pattern: { source: 'funnel.invoices' } as never }],
          domainBusName: 'funnel-test',
          invoke: async () => undefined,
          deadLetters: new MemoryDeadLetters(),
        }),
    ).toThrow(/broken/);
  });

  it('close cancels a retry that is waiting (idle would otherwise wait a minute), dropping the event', async () => {
    const deadLetters = new MemoryDeadLetters();
    let attempted!: () => void;
    const firstAttempt = new Promise<void>((resolve) => {
      attempted = resolve;
    });
    const bus = new LocalEventBus({
      rules,
      domainBusName: 'funnel-test',
      deadLetters,
      retry: { attempts: 5, delayMs: 60_000 },
      invoke: async () => {
        attempted();
        throw new Error('down');
      },
    });
    bus.putEvents([issued]);
    await firstAttempt;
    bus.close();
    await bus.idle();
    expect(deadLetters.list()).toEqual([]);
  });
});

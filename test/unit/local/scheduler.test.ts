import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateScheduleInput } from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ScheduleSpec } from '../../../functions/app/types.ts';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import {
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../infra/local/aws/errors.ts';
import { LocalScheduler } from '../../../infra/local/aws/scheduler.ts';
import { NotFoundError, ValidationError } from '../../../shared/platform/errors.ts';

const PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:';

const declared: ScheduleSpec[] = [
  {
    name: 'nightly-cleanup',
    description: 'Nightly',
    target: 'cleanup',
    kind: 'global',
    expression: 'cron(0 3 * * ? *)',
  },
  {
    name: 'heartbeat',
    description: 'Every 5 minutes',
    target: 'heartbeat',
    kind: 'global',
    expression: 'rate(5 minutes)',
  },
  {
    name: 'dunning-sweep',
    description: 'Per tenant',
    target: 'dunning',
    kind: 'per-tenant',
    expression: 'cron(0 {dailyJobHour} * * ? *)',
  },
  { name: 'reminder', description: 'One-time', target: 'remind', kind: 'one-time' },
];

/** A request like shared/platform/aws/scheduler.ts sends. */
function request(name: string, overrides: Partial<CreateScheduleInput> = {}): CreateScheduleInput {
  return {
    Name: name,
    GroupName: 'funnel-test',
    ScheduleExpression: 'cron(0 6 * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Berlin',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'NONE',
    State: 'ENABLED',
    Target: {
      Arn: `${PREFIX}dunning`,
      RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
      Input: JSON.stringify({ schedule: 'dunning-sweep', tenantId: name.split('-').at(-1) }),
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21600 },
    },
    ...overrides,
  };
}

function setup(options: { start?: string; stateFile?: string; failing?: Set<string> } = {}) {
  let now = new Date(options.start ?? '2025-03-01T10:00:00Z');
  const calls: Array<{ target: string; event: unknown }> = [];
  const deadLetters = new MemoryDeadLetters();
  const scheduler = new LocalScheduler({
    declared,
    functionArnPrefix: PREFIX,
    deadLetters,
    clock: { now: () => new Date(now) },
    retry: { attempts: 3, delayMs: 1 },
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    invoke: async (target, event) => {
      calls.push({ target, event });
      if (options.failing?.has(target)) throw new Error(`${target} is broken`);
      return { done: target };
    },
  });
  const at = (iso: string) => {
    now = new Date(iso);
    return scheduler.fireDue();
  };
  return { scheduler, calls, deadLetters, at };
}

describe('LocalScheduler: declared schedules', () => {
  it('registers the global schedules (not per-tenant or one-time ones) with their name as input', () => {
    const { scheduler } = setup();
    expect(scheduler.list()).toEqual([
      {
        name: 'heartbeat',
        group: 'default',
        kind: 'global',
        expression: 'rate(5 minutes)',
        timezone: 'UTC',
        target: 'heartbeat',
        state: 'ENABLED',
        nextRun: '2025-03-01T10:05:00.000Z',
        input: { schedule: 'heartbeat' },
      },
      {
        name: 'nightly-cleanup',
        group: 'default',
        kind: 'global',
        expression: 'cron(0 3 * * ? *)',
        timezone: 'UTC',
        target: 'cleanup',
        state: 'ENABLED',
        nextRun: '2025-03-02T03:00:00.000Z',
        input: { schedule: 'nightly-cleanup' },
      },
    ]);
  });

  it('fires what is due at the clock’s time, once, and moves each to its next run', async () => {
    const { scheduler, calls, at } = setup();
    expect(await at('2025-03-01T10:04:59Z')).toEqual([]);
    expect(await at('2025-03-01T10:05:00Z')).toEqual([
      { name: 'heartbeat', ok: true, result: { done: 'heartbeat' } },
    ]);
    expect(await at('2025-03-01T10:05:30Z')).toEqual([]);
    expect(calls).toEqual([{ target: 'heartbeat', event: { schedule: 'heartbeat' } }]);
    expect(scheduler.list().find((s) => s.name === 'heartbeat')?.nextRun).toBe('2025-03-01T10:10:00.000Z');
  });

  it('a late timer does not shift a rate: its runs stay on the period counted from the start', async () => {
    const { scheduler, at } = setup();
    await at('2025-03-01T10:05:30Z');
    expect(scheduler.list().find((s) => s.name === 'heartbeat')?.nextRun).toBe('2025-03-01T10:10:00.000Z');
  });

  it('skips runs missed while nothing was firing instead of catching up on each', async () => {
    const { calls, at } = setup();
    await at('2025-03-05T12:00:00Z');
    expect(calls.map((c) => c.target).sort()).toEqual(['cleanup', 'heartbeat']);
  });
});

describe('LocalScheduler: the Scheduler API', () => {
  it('creates, reads, updates and deletes a schedule with the fields of the AWS API', () => {
    const { scheduler } = setup();
    expect(scheduler.createSchedule(request('dunning-sweep-t1'))).toEqual({
      ScheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/funnel-test/dunning-sweep-t1',
    });
    expect(scheduler.getSchedule({ Name: 'dunning-sweep-t1', GroupName: 'funnel-test' })).toMatchObject({
      Name: 'dunning-sweep-t1',
      GroupName: 'funnel-test',
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: `${PREFIX}dunning`, RetryPolicy: { MaximumRetryAttempts: 10 } },
      CreationDate: new Date('2025-03-01T10:00:00Z'),
    });
    scheduler.updateSchedule(request('dunning-sweep-t1', { ScheduleExpression: 'cron(0 7 * * ? *)' }));
    const listed = scheduler.list().find((s) => s.name === 'dunning-sweep-t1');
    expect(listed).toMatchObject({ kind: 'dynamic', target: 'dunning', nextRun: '2025-03-02T06:00:00.000Z' });
    scheduler.deleteSchedule({ Name: 'dunning-sweep-t1', GroupName: 'funnel-test' });
    expect(() => scheduler.getSchedule({ Name: 'dunning-sweep-t1', GroupName: 'funnel-test' })).toThrow(
      ResourceNotFoundException,
    );
  });

  it('answers with the errors the SDK maps to ConflictException and ResourceNotFoundException', () => {
    const { scheduler } = setup();
    scheduler.createSchedule(request('dunning-sweep-t1'));
    expect(() => scheduler.createSchedule(request('dunning-sweep-t1'))).toThrow(ConflictException);
    expect(() => scheduler.updateSchedule(request('dunning-sweep-t2'))).toThrow(ResourceNotFoundException);
    expect(() => scheduler.deleteSchedule({ Name: 'dunning-sweep-t1' })).toThrow(ResourceNotFoundException);
  });

  it.each<[string, Partial<CreateScheduleInput>]>([
    ['a malformed expression', { ScheduleExpression: 'cron(0 6 * * * *)' }],
    ['an unknown time zone', { ScheduleExpressionTimezone: 'Mars/Olympus_Mons' }],
    [
      'a target outside the application',
      { Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: 'r' } },
    ],
    [
      'a target input that is not JSON',
      { Target: { Arn: `${PREFIX}dunning`, RoleArn: 'r', Input: 'hello' } },
    ],
    ['a missing flexible time window', { FlexibleTimeWindow: undefined }],
    ['a name with a slash', { Name: 'a/b' }],
    ['an end before the start', { StartDate: new Date('2025-05-01'), EndDate: new Date('2025-04-01') }],
  ])('refuses %s with a ValidationException', (_, overrides) => {
    const { scheduler } = setup();
    expect(() => scheduler.createSchedule(request('dunning-sweep-t1', overrides))).toThrow(
      ValidationException,
    );
  });

  it('lists page by page, filtered by group and name prefix', () => {
    const { scheduler } = setup();
    for (const id of ['t1', 't2', 't3']) scheduler.createSchedule(request(`dunning-sweep-${id}`));
    scheduler.createSchedule(request('other-t1', { GroupName: 'elsewhere' }));
    const first = scheduler.listSchedules({
      GroupName: 'funnel-test',
      NamePrefix: 'dunning-',
      MaxResults: 2,
    });
    expect(first.Schedules?.map((s) => s.Name)).toEqual(['dunning-sweep-t1', 'dunning-sweep-t2']);
    const second = scheduler.listSchedules({
      GroupName: 'funnel-test',
      MaxResults: 2,
      NextToken: first.NextToken,
    });
    expect(second.Schedules?.map((s) => s.Name)).toEqual(['dunning-sweep-t3']);
    expect(second.NextToken).toBeUndefined();
    expect(second.Schedules?.[0]).toMatchObject({
      GroupName: 'funnel-test',
      State: 'ENABLED',
      Target: { Arn: `${PREFIX}dunning` },
    });
  });

  it('evaluates a per-tenant cron in the tenant’s time zone', async () => {
    const { scheduler, calls, at } = setup();
    scheduler.createSchedule(request('dunning-sweep-t1', { ScheduleExpressionTimezone: 'America/New_York' }));
    expect(scheduler.list().find((s) => s.name === 'dunning-sweep-t1')?.nextRun).toBe(
      '2025-03-01T11:00:00.000Z',
    );
    await at('2025-03-01T11:00:00Z');
    expect(calls.filter((c) => c.target === 'dunning')).toEqual([
      { target: 'dunning', event: { schedule: 'dunning-sweep', tenantId: 't1' } },
    ]);
  });

  it('a one-time schedule fires once at its moment in its zone, then deletes itself when asked to', async () => {
    const { scheduler, calls, at } = setup();
    const oneTime = (name: string, action: 'NONE' | 'DELETE') =>
      request(name, {
        ScheduleExpression: 'at(2025-03-02T09:30:00)',
        ActionAfterCompletion: action,
        Target: { Arn: `${PREFIX}remind`, RoleArn: 'r', Input: JSON.stringify({ taskId: name }) },
      });
    scheduler.createSchedule(oneTime('reminder-a', 'DELETE'));
    scheduler.createSchedule(oneTime('reminder-b', 'NONE'));
    const reminders = () => calls.filter((c) => c.target === 'remind').map((c) => c.event);
    await at('2025-03-02T08:29:59Z');
    expect(reminders()).toEqual([]);
    await at('2025-03-02T08:30:00Z');
    await at('2025-03-03T08:30:00Z');
    expect(reminders()).toEqual([{ taskId: 'reminder-a' }, { taskId: 'reminder-b' }]);
    const left = scheduler.list().filter((s) => s.kind === 'dynamic');
    expect(left.map((s) => [s.name, s.nextRun])).toEqual([['reminder-b', undefined]]);
  });

  it('a recurring schedule created through the API starts at once, as a rate schedule without StartDate does in AWS', async () => {
    const { scheduler, calls } = setup();
    scheduler.createSchedule(request('poll-t1', { ScheduleExpression: 'rate(1 hour)' }));
    await scheduler.fireDue();
    expect(calls).toHaveLength(1);
    expect(scheduler.list().find((s) => s.name === 'poll-t1')?.nextRun).toBe('2025-03-01T11:00:00.000Z');
  });

  it('a disabled schedule does not fire', async () => {
    const { scheduler, calls, at } = setup();
    scheduler.createSchedule(request('dunning-sweep-t1', { State: 'DISABLED' }));
    await at('2025-03-03T06:00:00Z');
    expect(calls.filter((c) => c.target === 'dunning')).toEqual([]);
  });
});

describe('LocalScheduler: failures', () => {
  it('retries a failing target, then records a dead letter with the input it was given', async () => {
    const { calls, deadLetters, at } = setup({ failing: new Set(['heartbeat']) });
    const [result] = await at('2025-03-01T10:05:00Z');
    expect(result).toMatchObject({ name: 'heartbeat', ok: false, error: 'Error: heartbeat is broken' });
    expect(calls.filter((c) => c.target === 'heartbeat')).toHaveLength(3);
    expect(deadLetters.list()).toEqual([
      expect.objectContaining({
        source: 'scheduler',
        name: 'heartbeat',
        target: 'heartbeat',
        payload: { schedule: 'heartbeat' },
        attempts: 3,
      }),
    ]);
  });

  it('tries no more often than the target’s own retry policy allows', async () => {
    const { scheduler, calls, at } = setup({ failing: new Set(['dunning']) });
    scheduler.createSchedule(
      request('dunning-sweep-t1', {
        Target: { ...request('x').Target!, RetryPolicy: { MaximumRetryAttempts: 0 } },
      }),
    );
    await at('2025-03-02T05:00:00Z');
    expect(calls.filter((c) => c.target === 'dunning')).toHaveLength(1);
  });

  it('replays a dead letter; it becomes a dead letter again when the target still fails', async () => {
    const failing = new Set(['heartbeat']);
    const { scheduler, calls, deadLetters, at } = setup({ failing });
    await at('2025-03-01T10:05:00Z');
    await scheduler.replay(deadLetters.take(deadLetters.list()[0]!.id)!);
    expect(deadLetters.list()).toHaveLength(1);
    failing.clear();
    await scheduler.replay(deadLetters.take(deadLetters.list()[0]!.id)!);
    expect(deadLetters.list()).toEqual([]);
    expect(calls.at(-1)).toEqual({ target: 'heartbeat', event: { schedule: 'heartbeat' } });
  });
});

describe('LocalScheduler: runNow', () => {
  it('runs one schedule now and reports what its function answered, without moving its next run', async () => {
    const { scheduler, calls } = setup();
    expect(await scheduler.runNow('nightly-cleanup')).toEqual([
      { name: 'nightly-cleanup', ok: true, result: { done: 'cleanup' } },
    ]);
    expect(calls).toEqual([{ target: 'cleanup', event: { schedule: 'nightly-cleanup' } }]);
    expect(scheduler.list().find((s) => s.name === 'nightly-cleanup')?.nextRun).toBe(
      '2025-03-02T03:00:00.000Z',
    );
  });

  it('runs every tenant’s member of a per-tenant family, as of a given date', async () => {
    const { scheduler, calls } = setup();
    scheduler.createSchedule(request('dunning-sweep-t1'));
    scheduler.createSchedule(request('dunning-sweep-t2'));
    const runs = await scheduler.runNow('dunning-sweep', { asOf: '2025-04-15' });
    expect(runs.map((r) => [r.name, r.ok])).toEqual([
      ['dunning-sweep-t1', true],
      ['dunning-sweep-t2', true],
    ]);
    expect(calls.map((c) => c.event)).toEqual([
      { schedule: 'dunning-sweep', tenantId: 't1', asOf: '2025-04-15T00:00:00.000Z' },
      { schedule: 'dunning-sweep', tenantId: 't2', asOf: '2025-04-15T00:00:00.000Z' },
    ]);
  });

  it('reports a failing run instead of throwing, and writes no dead letter for it', async () => {
    const { scheduler, deadLetters } = setup({ failing: new Set(['cleanup']) });
    expect(await scheduler.runNow('nightly-cleanup')).toEqual([
      { name: 'nightly-cleanup', ok: false, error: 'Error: cleanup is broken' },
    ]);
    expect(deadLetters.list()).toEqual([]);
  });

  it('throws NotFound for a name that is neither a schedule nor a family, and Validation for a bad date', async () => {
    const { scheduler } = setup();
    await expect(scheduler.runNow('no-such-job')).rejects.toThrow(NotFoundError);
    await expect(scheduler.runNow('heartbeat', { asOf: 'next tuesday' })).rejects.toThrow(ValidationError);
  });
});

describe('LocalScheduler: state and timer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const stateFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-'));
    dirs.push(dir);
    return join(dir, 'schedules.json');
  };

  it('keeps API-created schedules across restarts; a one-time schedule due while down still fires, once', async () => {
    const file = stateFile();
    const before = setup({ stateFile: file });
    before.scheduler.createSchedule(request('dunning-sweep-t1'));
    before.scheduler.createSchedule(
      request('reminder-x', {
        ScheduleExpression: 'at(2025-03-01T12:00:00)',
        ScheduleExpressionTimezone: 'UTC',
        ActionAfterCompletion: 'NONE',
        Target: { Arn: `${PREFIX}remind`, RoleArn: 'r', Input: '{"taskId":"x"}' },
      }),
    );
    const after = setup({ stateFile: file, start: '2025-03-01T15:00:00Z' });
    expect(
      after.scheduler
        .list()
        .filter((s) => s.kind === 'dynamic')
        .map((s) => [s.name, s.nextRun]),
    ).toEqual([
      ['dunning-sweep-t1', '2025-03-02T05:00:00.000Z'],
      ['reminder-x', '2025-03-01T12:00:00.000Z'],
    ]);
    expect(
      after.scheduler.getSchedule({ Name: 'dunning-sweep-t1', GroupName: 'funnel-test' }).CreationDate,
    ).toEqual(new Date('2025-03-01T10:00:00Z'));
    await after.scheduler.fireDue();
    expect(after.calls).toEqual([{ target: 'remind', event: { taskId: 'x' } }]);
    const again = setup({ stateFile: file, start: '2025-03-01T16:00:00Z' });
    await again.scheduler.fireDue();
    expect(again.calls).toEqual([]);
  });

  it('starts without a saved schedule that is no longer valid, and says so', () => {
    const file = stateFile();
    setup({ stateFile: file }).scheduler.createSchedule(request('dunning-sweep-t1'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const moved = new LocalScheduler({
        declared: [],
        functionArnPrefix: 'arn:aws:lambda:eu-west-1:111111111111:function:',
        invoke: async () => undefined,
        deadLetters: new MemoryDeadLetters(),
        stateFile: file,
      });
      expect(moved.list()).toEqual([]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('dunning-sweep-t1'));
    } finally {
      warn.mockRestore();
    }
  });

  it('does not persist the declared schedules, which come from the declaration on every start', () => {
    const file = stateFile();
    setup({ stateFile: file }).scheduler.createSchedule(request('dunning-sweep-t1'));
    const names = setup({ stateFile: file })
      .scheduler.list()
      .map((s) => s.name);
    expect(names).toEqual(['heartbeat', 'nightly-cleanup', 'dunning-sweep-t1']);
  });

  it('start arms a timer that fires a due schedule on its own', async () => {
    let fired!: (event: unknown) => void;
    const firing = new Promise((resolve) => {
      fired = resolve;
    });
    const timed = new LocalScheduler({
      declared: [],
      functionArnPrefix: PREFIX,
      deadLetters: new MemoryDeadLetters(),
      invoke: async (_target, event) => fired(event),
    });
    timed.createSchedule(
      request('reminder-now', {
        ScheduleExpression: 'at(2020-01-01T00:00:00)',
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: `${PREFIX}remind`, RoleArn: 'r', Input: '{"taskId":"now"}' },
      }),
    );
    timed.start();
    expect(await firing).toEqual({ taskId: 'now' });
    await timed.idle();
    expect(timed.list()).toEqual([]);
    timed.stop();
  });
});

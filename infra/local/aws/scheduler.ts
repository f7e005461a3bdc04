import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  CreateScheduleInput,
  CreateScheduleOutput,
  DeleteScheduleInput,
  GetScheduleInput,
  GetScheduleOutput,
  ListSchedulesInput,
  ListSchedulesOutput,
  ScheduleSummary,
  Target,
  UpdateScheduleInput,
} from '@aws-sdk/client-scheduler';
import type { ScheduleSpec } from '../../../functions/app/types.ts';
import { NotFoundError, ValidationError } from '../../../shared/platform/errors.ts';
import { defaultRetryPolicy, systemClock, WorkTracker, withRetries } from './delivery.ts';
import {
  ConflictException,
  describeError,
  ResourceNotFoundException,
  ValidationException,
} from './errors.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './event-bus.ts';
import {
  InvalidExpressionError,
  isValidTimeZone,
  nextRun,
  parseExpression,
  type ScheduleExpression,
} from './schedule-expressions.ts';
import type { Clock, DeadLetter, DeadLetterStore, Invoke, RetryPolicy } from './types.ts';

export interface LocalSchedulerOptions {
  declared: ScheduleSpec[];
  /** Target ARNs are `<prefix><function name>`; other targets are refused. */
  functionArnPrefix: string;
  invoke: Invoke;
  deadLetters: DeadLetterStore;
  /** Keeps the schedules created through the API across restarts. */
  stateFile?: string;
  clock?: Clock;
  retry?: RetryPolicy;
}

export interface ScheduleListing {
  name: string;
  group: string;
  /** `global`: declared and created at start. `dynamic`: created through the API. */
  kind: 'global' | 'dynamic';
  expression: string;
  timezone: string;
  /** The function the schedule invokes. */
  target: string;
  state: 'ENABLED' | 'DISABLED';
  /** ISO instant of the next run; absent when it will not run again. */
  nextRun?: string;
  lastRun?: string;
  input: unknown;
}

export interface RunResult {
  name: string;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** One schedule as the API defines it, plus what the stand-in tracks about it. */
interface Schedule {
  kind: 'global' | 'dynamic';
  name: string;
  group: string;
  expressionText: string;
  expression: ScheduleExpression;
  timezone: string;
  target: Target & { Arn: string; RoleArn: string };
  actionAfterCompletion: 'NONE' | 'DELETE';
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  flexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  startDate?: Date;
  endDate?: Date;
  createdAt: Date;
  modifiedAt: Date;
  lastRunAt?: Date;
  nextAt?: Date;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;

/**
 * EventBridge Scheduler in one process: the API the endpoint serves (create, update, delete, get,
 * list), one timer armed for the earliest next run, and `runNow` to run a job on demand "as of"
 * a date. `fireDue()` fires whatever is due at `clock.now()`; the timer calls it, and so can tests
 * with a clock of their own.
 */
export class LocalScheduler {
  readonly #schedules = new Map<string, Schedule>();
  readonly #prefix: string;
  readonly #invoke: Invoke;
  readonly #deadLetters: DeadLetterStore;
  readonly #stateFile: string | undefined;
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  #work = new WorkTracker();
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: LocalSchedulerOptions) {
    this.#prefix = options.functionArnPrefix;
    this.#invoke = options.invoke;
    this.#deadLetters = options.deadLetters;
    this.#stateFile = options.stateFile;
    this.#clock = options.clock ?? systemClock;
    this.#retry = options.retry ?? defaultRetryPolicy;
    const now = this.#clock.now();
    for (const spec of options.declared.filter((s) => s.kind === 'global')) {
      const schedule = this.#build(
        {
          Name: spec.name,
          GroupName: 'default',
          ScheduleExpression: spec.expression,
          ScheduleExpressionTimezone: spec.timezone ?? 'UTC',
          Description: spec.description.slice(0, 512),
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: `${this.#prefix}${spec.target}`,
            RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/scheduler`,
            Input: JSON.stringify({ schedule: spec.name }),
          },
        },
        'global',
        now,
      );
      // A restart is not a deploy: a declared rate runs one period after start, not at once.
      schedule.nextAt = this.#next(schedule, now, false);
      this.#schedules.set(key(schedule.group, schedule.name), schedule);
    }
    if (this.#stateFile && existsSync(this.#stateFile)) this.#load(this.#stateFile, now);
  }

  createSchedule(input: CreateScheduleInput): CreateScheduleOutput {
    const now = this.#clock.now();
    const schedule = this.#build(input, 'dynamic', now);
    const id = key(schedule.group, schedule.name);
    if (this.#schedules.has(id)) throw new ConflictException(`Schedule ${schedule.name} already exists.`);
    schedule.nextAt = this.#next(schedule, now, true);
    this.#schedules.set(id, schedule);
    this.#changed();
    return { ScheduleArn: this.#arn(schedule) };
  }

  updateSchedule(input: UpdateScheduleInput): { ScheduleArn: string } {
    const now = this.#clock.now();
    const existing = this.#find(input.Name, input.GroupName);
    const schedule = this.#build(input, existing.kind, now);
    schedule.createdAt = existing.createdAt;
    schedule.nextAt = this.#next(schedule, now, true);
    this.#schedules.set(key(schedule.group, schedule.name), schedule);
    this.#changed();
    return { ScheduleArn: this.#arn(schedule) };
  }

  deleteSchedule(input: DeleteScheduleInput): Record<string, never> {
    const schedule = this.#find(input.Name, input.GroupName);
    this.#schedules.delete(key(schedule.group, schedule.name));
    this.#changed();
    return {};
  }

  getSchedule(input: GetScheduleInput): GetScheduleOutput {
    const s = this.#find(input.Name, input.GroupName);
    return {
      Arn: this.#arn(s),
      GroupName: s.group,
      Name: s.name,
      ScheduleExpression: s.expressionText,
      ScheduleExpressionTimezone: s.timezone,
      State: s.state,
      Description: s.description,
      StartDate: s.startDate,
      EndDate: s.endDate,
      CreationDate: s.createdAt,
      LastModificationDate: s.modifiedAt,
      Target: structuredClone(s.target),
      FlexibleTimeWindow: { ...s.flexibleTimeWindow },
      ActionAfterCompletion: s.actionAfterCompletion,
    };
  }

  listSchedules(input: ListSchedulesInput = {}): Omit<ListSchedulesOutput, '$metadata'> {
    const limit = Math.min(Math.max(input.MaxResults ?? 100, 1), 100);
    const after = input.NextToken ? Buffer.from(input.NextToken, 'base64url').toString() : '';
    const matching = [...this.#schedules.entries()]
      .filter(([id]) => id > after)
      .filter(([, s]) => !input.GroupName || s.group === input.GroupName)
      .filter(([, s]) => !input.NamePrefix || s.name.startsWith(input.NamePrefix))
      .filter(([, s]) => !input.State || s.state === input.State)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return {
      Schedules: page.map(
        ([, s]): ScheduleSummary => ({
          Arn: this.#arn(s),
          Name: s.name,
          GroupName: s.group,
          State: s.state,
          CreationDate: s.createdAt,
          LastModificationDate: s.modifiedAt,
          Target: { Arn: s.target.Arn },
        }),
      ),
      ...(matching.length > limit && last ? { NextToken: Buffer.from(last[0]).toString('base64url') } : {}),
    };
  }

  list(): ScheduleListing[] {
    return [...this.#schedules.values()]
      .sort((a, b) => (key(a.group, a.name) < key(b.group, b.name) ? -1 : 1))
      .map((s) => ({
        name: s.name,
        group: s.group,
        kind: s.kind,
        expression: s.expressionText,
        timezone: s.timezone,
        target: this.#functionOf(s),
        state: s.state,
        ...(s.nextAt ? { nextRun: s.nextAt.toISOString() } : {}),
        ...(s.lastRunAt ? { lastRun: s.lastRunAt.toISOString() } : {}),
        input: inputOf(s),
      }));
  }

  /**
   * Runs the schedule `name` now, once, and reports what its function answered. A name that is
   * no schedule but the `schedule` field of schedules' input (a per-tenant family such as
   * "dunning-sweep") runs every member. With `asOf`, the input carries `asOf` (an ISO instant)
   * so the job acts as of that moment. Does not move the schedules' own next runs.
   */
  async runNow(name: string, options: { asOf?: string } = {}): Promise<RunResult[]> {
    let members = [...this.#schedules.values()].filter((s) => s.name === name);
    if (members.length === 0) {
      members = [...this.#schedules.values()].filter((s) => {
        const input = inputOf(s);
        return isRecord(input) && input.schedule === name;
      });
    }
    if (members.length === 0) throw new NotFoundError('Schedule', name);
    let asOf: string | undefined;
    if (options.asOf !== undefined) {
      const instant = new Date(options.asOf);
      if (Number.isNaN(instant.getTime()))
        throw ValidationError.field('asOf', `${options.asOf} is not an ISO date or date-time.`);
      asOf = instant.toISOString();
    }
    return Promise.all(
      members.map(async (s): Promise<RunResult> => {
        const input = inputOf(s);
        const event = asOf && isRecord(input) ? { ...input, asOf } : input;
        try {
          return {
            name: s.name,
            ok: true,
            result: await this.#work.track(this.#invoke(this.#functionOf(s), event)),
          };
        } catch (error) {
          return { name: s.name, ok: false, error: describeError(error) };
        }
      }),
    );
  }

  /**
   * Fires every enabled schedule due at `clock.now()`, advances each to its next run (a run missed
   * while the process was down is skipped, as the timer would have skipped it), deletes completed
   * schedules whose ActionAfterCompletion is DELETE, and resolves when their deliveries have
   * succeeded or become dead letters.
   */
  fireDue(): Promise<RunResult[]> {
    const now = this.#clock.now();
    const due = [...this.#schedules.values()].filter(
      (s) => s.state === 'ENABLED' && s.nextAt && s.nextAt.getTime() <= now.getTime(),
    );
    for (const s of due) {
      s.lastRunAt = now;
      s.nextAt = this.#next(s, now, false);
      // Deleted before delivery: the function may create a schedule of the same name again.
      if (!s.nextAt && s.actionAfterCompletion === 'DELETE') this.#schedules.delete(key(s.group, s.name));
    }
    if (due.length) this.#changed();
    return Promise.all(due.map((s) => this.#work.track(this.#fire(s))));
  }

  /** Delivers a dead letter of the scheduler again; on failure it becomes a new dead letter. */
  async replay(letter: DeadLetter): Promise<void> {
    if (letter.source !== 'scheduler') throw new Error(`Dead letter ${letter.id} is not from the scheduler.`);
    await this.#work.track(this.#deliver(letter.name, letter.target, letter.payload, this.#retry));
  }

  /** Arms the timer for the earliest next run (and re-arms it after every run and change). */
  start(): void {
    this.#started = true;
    this.#arm();
  }

  /** Clears the timer and cancels retries that are waiting. */
  stop(): void {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#work.close();
    this.#work = new WorkTracker();
  }

  /** Resolves when no run is in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.#work.idle();
  }

  async #fire(s: Schedule): Promise<RunResult> {
    const retries = s.target.RetryPolicy?.MaximumRetryAttempts;
    const policy =
      retries === undefined
        ? this.#retry
        : { ...this.#retry, attempts: Math.min(this.#retry.attempts, retries + 1) };
    return this.#deliver(s.name, this.#functionOf(s), inputOf(s), policy);
  }

  async #deliver(name: string, target: string, payload: unknown, policy: RetryPolicy): Promise<RunResult> {
    const outcome = await withRetries(() => this.#invoke(target, payload), policy, this.#work);
    if (outcome.ok) return { name, ok: true, result: outcome.result };
    const error = describeError(outcome.error);
    this.#deadLetters.add({ source: 'scheduler', name, target, payload, error, attempts: outcome.attempts });
    return { name, ok: false, error };
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#started) return;
    const times = [...this.#schedules.values()]
      .filter((s) => s.state === 'ENABLED' && s.nextAt)
      .map((s) => (s.nextAt as Date).getTime());
    if (times.length === 0) return;
    const wait = Math.min(Math.max(Math.min(...times) - this.#clock.now().getTime(), 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // fireDue re-arms through #changed once it has advanced the due schedules.
      void this.fireDue().finally(() => this.#arm());
    }, wait);
  }

  #changed(): void {
    this.#save();
    this.#arm();
  }

  /** The first run after `after`, or at it when `inclusive`, within the start and end dates. */
  #next(s: Schedule, after: Date, inclusive: boolean): Date | undefined {
    if (s.expression.kind === 'at') {
      // A one-time schedule that has not run yet is due, even when its moment passed while down.
      return s.lastRunAt ? undefined : nextRun(s.expression, { after: new Date(0), timeZone: s.timezone });
    }
    let from = inclusive ? new Date(after.getTime() - 1) : after;
    if (s.startDate && s.startDate.getTime() - 1 > from.getTime()) from = new Date(s.startDate.getTime() - 1);
    const next = nextRun(s.expression, {
      after: from,
      timeZone: s.timezone,
      // Counted from the start date or creation, so runs do not drift by the timer's lateness.
      anchor: s.startDate ?? s.createdAt,
    });
    if (!next || (s.endDate && next.getTime() > s.endDate.getTime())) return undefined;
    return next;
  }

  #find(name: string | undefined, group: string | undefined): Schedule {
    const schedule = this.#schedules.get(key(group || 'default', name ?? ''));
    if (!schedule) throw new ResourceNotFoundException(`Schedule ${name} does not exist.`);
    return schedule;
  }

  #arn(s: Schedule): string {
    return `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${s.group}/${s.name}`;
  }

  #functionOf(s: Schedule): string {
    return s.target.Arn.slice(this.#prefix.length);
  }

  /** Validates an API request as Scheduler does and turns it into a schedule. */
  #build(input: CreateScheduleInput, kind: Schedule['kind'], now: Date): Schedule {
    const invalid: (message: string) => never = (message) => {
      throw new ValidationException(message);
    };
    const name = input.Name ?? '';
    const group = input.GroupName || 'default';
    if (!NAME.test(name)) invalid(`Schedule name "${name}" must be 1-64 letters, digits, ".", "_" or "-".`);
    if (!NAME.test(group)) invalid(`Schedule group name "${group}" is not valid.`);
    const expressionText = input.ScheduleExpression ?? invalid('ScheduleExpression is required.');
    let expression: ScheduleExpression;
    try {
      expression = parseExpression(expressionText);
    } catch (error) {
      if (error instanceof InvalidExpressionError) invalid(`Invalid Schedule Expression ${error.message}`);
      throw error;
    }
    const timezone = input.ScheduleExpressionTimezone || 'UTC';
    if (!isValidTimeZone(timezone)) invalid(`Invalid ScheduleExpressionTimezone ${timezone}.`);
    const window = input.FlexibleTimeWindow ?? invalid('FlexibleTimeWindow is required.');
    if (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')
      invalid('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE.');
    if (
      window.Mode === 'FLEXIBLE' &&
      !(window.MaximumWindowInMinutes && window.MaximumWindowInMinutes <= 1440)
    )
      invalid('A FLEXIBLE time window needs MaximumWindowInMinutes between 1 and 1440.');
    const target = input.Target ?? invalid('Target is required.');
    if (!target.Arn || !target.RoleArn) invalid('Target.Arn and Target.RoleArn are required.');
    if (!target.Arn.startsWith(this.#prefix) || target.Arn.length === this.#prefix.length)
      invalid(`Target ${target.Arn} is not a function of this application (${this.#prefix}<name>).`);
    if (target.Input !== undefined) {
      try {
        JSON.parse(target.Input);
      } catch {
        invalid('Target.Input must be JSON: a Lambda function takes a JSON payload.');
      }
    }
    const action = input.ActionAfterCompletion ?? 'NONE';
    if (action !== 'NONE' && action !== 'DELETE') invalid('ActionAfterCompletion must be NONE or DELETE.');
    const state = input.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') invalid('State must be ENABLED or DISABLED.');
    const startDate = input.StartDate ? new Date(input.StartDate) : undefined;
    const endDate = input.EndDate ? new Date(input.EndDate) : undefined;
    if (startDate && endDate && endDate.getTime() <= startDate.getTime())
      invalid('EndDate must be after StartDate.');
    return {
      kind,
      name,
      group,
      expressionText,
      expression,
      timezone,
      target: structuredClone(target) as Schedule['target'],
      actionAfterCompletion: action,
      state,
      flexibleTimeWindow: {
        Mode: window.Mode,
        ...(window.MaximumWindowInMinutes ? { MaximumWindowInMinutes: window.MaximumWindowInMinutes } : {}),
      },
      ...(input.Description ? { description: input.Description } : {}),
      ...(startDate ? { startDate } : {}),
      ...(endDate ? { endDate } : {}),
      createdAt: now,
      modifiedAt: now,
    };
  }

  #save(): void {
    if (!this.#stateFile) return;
    const schedules = [...this.#schedules.values()]
      .filter((s) => s.kind === 'dynamic')
      .map((s) => ({
        ...this.getSchedule({ Name: s.name, GroupName: s.group }),
        LastRunDate: s.lastRunAt,
      }));
    mkdirSync(dirname(this.#stateFile), { recursive: true });
    const partial = `${this.#stateFile}.partial`;
    writeFileSync(partial, `${JSON.stringify({ version: 1, schedules }, null, 2)}\n`);
    renameSync(partial, this.#stateFile);
  }

  #load(file: string, now: Date): void {
    let state: { schedules?: Array<GetScheduleOutput & { LastRunDate?: string }> };
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`The scheduler state file ${file} is not valid JSON (${(error as Error).message}).`);
    }
    for (const saved of state.schedules ?? []) {
      let schedule: Schedule;
      try {
        schedule = this.#build(saved as CreateScheduleInput, 'dynamic', new Date(saved.CreationDate ?? now));
      } catch (error) {
        // E.g. saved under another function ARN prefix: keep starting, and say what was left out.
        console.warn(`Scheduler: skipping saved schedule ${saved.Name}: ${describeError(error)}`);
        continue;
      }
      schedule.modifiedAt = new Date(saved.LastModificationDate ?? now);
      if (saved.LastRunDate) schedule.lastRunAt = new Date(saved.LastRunDate);
      schedule.nextAt = this.#next(schedule, now, false);
      this.#schedules.set(key(schedule.group, schedule.name), schedule);
    }
  }
}

function key(group: string, name: string): string {
  return `${group}/${name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inputOf(s: Schedule): unknown {
  return s.target.Input === undefined ? {} : JSON.parse(s.target.Input);
}

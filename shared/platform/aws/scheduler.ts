import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import * as z from 'zod/mini';
import { readEnv, required } from '../config.ts';
import { correlationId } from '../correlation.ts';
import { lazy } from '../lazy.ts';

const env = readEnv({
  SCHEDULE_GROUP: required(),
  SCHEDULER_ROLE_ARN: required(),
  /** Function ARNs are `<prefix><declared function name>`. */
  FUNCTION_ARN_PREFIX: required(),
  SCHEDULE_DLQ_ARN: lazy(() => z.optional(z.string())),
});
const client = new SchedulerClient({});

export interface ScheduleRequest {
  /** Unique within the group, at most 64 characters: `<declared schedule name>-<id>`. */
  name: string;
  /** `rate(...)`, `cron(...)` or `at(yyyy-mm-ddThh:mm:ss)`. */
  expression: string;
  timezone?: string;
  /** Declared function to invoke. */
  target: string;
  input: Record<string, unknown>;
  description?: string;
}

function scheduleInput(request: ScheduleRequest): CreateScheduleCommandInput {
  if (request.name.length > 64) throw new RangeError(`Schedule name too long: ${request.name}`);
  // A one-time schedule is part of the action that made it; a recurring one starts its own runs.
  const oneTime = request.expression.startsWith('at(');
  const correlation = correlationId();
  return {
    Name: request.name,
    GroupName: env.SCHEDULE_GROUP,
    ScheduleExpression: request.expression,
    ScheduleExpressionTimezone: request.timezone ?? 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Description: request.description?.slice(0, 512),
    // One-time schedules delete themselves once they have fired.
    ActionAfterCompletion: request.expression.startsWith('at(') ? 'DELETE' : 'NONE',
    State: 'ENABLED',
    Target: {
      Arn: `${env.FUNCTION_ARN_PREFIX}${request.target}`,
      RoleArn: env.SCHEDULER_ROLE_ARN,
      Input: JSON.stringify(
        oneTime && correlation ? { ...request.input, correlationId: correlation } : request.input,
      ),
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 },
      ...(env.SCHEDULE_DLQ_ARN ? { DeadLetterConfig: { Arn: env.SCHEDULE_DLQ_ARN } } : {}),
    },
  };
}

/** Creates the schedule, or replaces its definition when one of that name exists. */
export async function upsertSchedule(request: ScheduleRequest): Promise<void> {
  const input = scheduleInput(request);
  try {
    await client.send(new CreateScheduleCommand(input));
  } catch (error) {
    if (!(error instanceof ConflictException)) throw error;
    await client.send(new UpdateScheduleCommand(input));
  }
}

/** Deletes the schedule; one that does not exist (already fired, or never made) is fine. */
export async function deleteSchedule(name: string): Promise<void> {
  try {
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: env.SCHEDULE_GROUP }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

/** `at(...)` wants the wall-clock time in the schedule's time zone, without offset or millis. */
export function atExpression(localDateTime: string): string {
  return `at(${localDateTime.slice(0, 19)})`;
}

/** Names of the group's schedules that start with `prefix`, every page. */
export async function scheduleNames(prefix: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListSchedulesCommand({
        GroupName: env.SCHEDULE_GROUP,
        NamePrefix: prefix,
        NextToken,
        MaxResults: 100,
      }),
    );
    names.push(...(page.Schedules ?? []).flatMap((s) => (s.Name ? [s.Name] : [])));
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

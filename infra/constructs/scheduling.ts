import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduleSpec } from '../../functions/app/types.ts';
import { constructId, deadLetterQueue } from './naming.ts';

/** Same policy as schedules created at run time (shared/platform/aws/scheduler.ts). */
const TARGET_RETRY = { retryAttempts: 10, maxEventAge: Duration.hours(6) };

/**
 * EventBridge Scheduler: the group every schedule lives in, the role schedules invoke functions
 * with, and their dead-letter queue. Global schedules are created here; per-tenant and one-time
 * schedules are created by code at run time in the same group with the same role and DLQ.
 */
export class Scheduling extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly role: iam.Role;
  /** Invocations the scheduler could not make, and scheduled invocations that kept failing. */
  readonly deadLetters: sqs.Queue;
  readonly schedules = new Map<string, scheduler.Schedule>();
  private readonly invocable = new Set<IFunction>();

  constructor(scope: Construct, id: string, props: { groupName: string }) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', { scheduleGroupName: props.groupName });
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    this.role = new iam.Role(this, 'Role', {
      description: 'Assumed by EventBridge Scheduler to invoke the functions schedules target.',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Only schedules of this account's group (confused deputy).
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
    );
  }

  /** ARN pattern of the schedules in the group, for functions that manage them. */
  get scheduleArns(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
    });
  }

  /** Lets schedules (declared or created at run time) invoke the function, by its exact ARN. */
  allowInvoke(target: IFunction): void {
    if (this.invocable.has(target)) return;
    this.invocable.add(target);
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.functionArn] }),
    );
  }

  /** A `global` schedule: one schedule of the stack, whose input names it. */
  addGlobal(spec: ScheduleSpec, target: IFunction): scheduler.Schedule {
    if (spec.kind !== 'global' || !spec.expression) throw new Error(`${spec.name} is not a global schedule.`);
    this.allowInvoke(target);
    const schedule = new scheduler.Schedule(this, `Schedule${constructId(spec.name)}`, {
      scheduleName: spec.name,
      description: spec.description.slice(0, 512),
      scheduleGroup: this.group,
      schedule: scheduler.ScheduleExpression.expression(spec.expression, TimeZone.of(spec.timezone ?? 'UTC')),
      target: new LambdaInvoke(target, {
        // The grants above are exact; the target's own grant would add a `:*` wildcard.
        role: this.role.withoutPolicyUpdates(),
        input: scheduler.ScheduleTargetInput.fromObject({ schedule: spec.name }),
        deadLetterQueue: this.deadLetters,
        ...TARGET_RETRY,
      }),
    });
    this.schedules.set(spec.name, schedule);
    return schedule;
  }

  /** `schedules:list`: ListSchedules has no resource-level permissions, so it can only be granted on "*". */
  grantList(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:ListSchedules'], resourceArns: ['*'] });
  }

  /** `schedules:manage`: create, change, read and delete schedules of the group, and hand them the role. */
  grantManage(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'scheduler:CreateSchedule',
        'scheduler:UpdateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
      ],
      resourceArns: [this.scheduleArns],
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException as SchedulerValidationException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import {
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueSpec, RuleSpec } from '../../../functions/app/types.ts';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { type LocalAwsEndpoint, startLocalAwsEndpoint } from '../../../infra/local/aws/endpoint.ts';
import { LocalEventBus } from '../../../infra/local/aws/event-bus.ts';
import { LocalQueues } from '../../../infra/local/aws/queues.ts';
import { LocalScheduler } from '../../../infra/local/aws/scheduler.ts';
import { freePort } from '../../../infra/local/ports.ts';

const FUNCTION_ARN_PREFIX = process.env.FUNCTION_ARN_PREFIX!;
const BUS = process.env.EVENT_BUS_NAME!;
const GROUP = process.env.SCHEDULE_GROUP!;

const rules: RuleSpec[] = [
  {
    name: 'all-domain-events',
    description: '',
    bus: 'domain',
    pattern: { source: [{ prefix: 'funnel.' }] },
    target: 'audit',
  },
];
const queueSpecs: QueueSpec[] = [
  {
    name: 'imports',
    description: '',
    consumer: 'import-rows',
    batchSize: 10,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
  },
];

let endpoint: LocalAwsEndpoint;
let bus: LocalEventBus;
let queues: LocalQueues;
let scheduler: LocalScheduler;
const invocations: Array<{ target: string; event: unknown }> = [];
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let clients: { events: EventBridgeClient; sqs: SQSClient; scheduler: SchedulerClient };

beforeAll(async () => {
  const port = await freePort();
  const invoke = async (target: string, event: unknown) => {
    invocations.push({ target, event });
  };
  const deadLetters = new MemoryDeadLetters();
  bus = new LocalEventBus({ rules, domainBusName: BUS, invoke, deadLetters });
  queues = new LocalQueues({
    queues: queueSpecs,
    queueUrlPrefix: `http://127.0.0.1:${port}/000000000000/`,
    invoke,
    deadLetters,
  });
  scheduler = new LocalScheduler({
    declared: [],
    functionArnPrefix: FUNCTION_ARN_PREFIX,
    invoke,
    deadLetters,
  });
  endpoint = await startLocalAwsEndpoint({ host: '127.0.0.1', port, bus, queues, scheduler });
  const config = { endpoint: endpoint.url, region: 'us-east-1', credentials };
  clients = {
    events: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    scheduler: new SchedulerClient(config),
  };
  // Product code reaches the endpoint the way it will under npm start: through the environment.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint.url,
    AWS_ENDPOINT_URL_SQS: endpoint.url,
    AWS_ENDPOINT_URL_SCHEDULER: endpoint.url,
    QUEUE_URL_PREFIX: `${endpoint.url}/000000000000/`,
  });
});

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  bus?.close();
  queues?.close();
  scheduler?.stop();
  await endpoint?.close();
});

const delivered = (target: string) => invocations.filter((i) => i.target === target).map((i) => i.event);

describe('the local AWS endpoint, through the real SDK clients', () => {
  it('EventBridge PutEvents: accepts entries, reports malformed ones per entry, and delivers to the rules', async () => {
    const result = await clients.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: BUS,
            Source: 'funnel.contacts',
            DetailType: 'ContactCreated',
            Detail: JSON.stringify({ contactId: 'c1' }),
            Time: new Date('2025-03-01T10:00:00Z'),
          },
          { EventBusName: BUS, Source: 'funnel.contacts', DetailType: 'ContactCreated', Detail: '{oops' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    await bus.idle();
    expect(delivered('audit')).toEqual([
      expect.objectContaining({
        source: 'funnel.contacts',
        time: '2025-03-01T10:00:00Z',
        detail: { contactId: 'c1' },
      }),
    ]);
  });

  it('EventBridge PutEvents: more than ten entries is a ValidationException (unmodelled in the SDK, as in AWS)', async () => {
    const entry = { EventBusName: BUS, Source: 'funnel.x', DetailType: 'X', Detail: '{}' };
    await expect(
      clients.events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })),
    ).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('SQS: GetQueueUrl, SendMessage (the SDK verifies the MD5) and SendMessageBatch with a failed entry', async () => {
    const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'imports' }));
    expect(QueueUrl).toBe(`${endpoint.url}/000000000000/imports`);
    const single = await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({ row: 1, name: 'Zoë' }),
        MessageAttributes: { tenantId: { DataType: 'String', StringValue: 't1' } },
      }),
    );
    expect(single.MessageId).toBeDefined();
    expect(single.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const batch = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: '{"row":2}' },
          { Id: 'b', MessageBody: '{"row":3}', DelaySeconds: 901 },
          { Id: 'c', MessageBody: '{"row":4}' },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['a', 'c']);
    expect(batch.Failed).toEqual([
      expect.objectContaining({ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);
    await queues.idle();
    const bodies = delivered('import-rows').flatMap((e) =>
      (e as SQSEvent).Records.map((r) => JSON.parse(r.body).row),
    );
    expect(bodies.sort()).toEqual([1, 2, 4]);
  });

  it('SQS: an unknown queue is the SDK’s QueueDoesNotExist', async () => {
    await expect(clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    await expect(
      clients.sqs.send(
        new SendMessageCommand({ QueueUrl: `${endpoint.url}/000000000000/nope`, MessageBody: 'x' }),
      ),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it('Scheduler: create, get, list, update and delete, with AWS errors for conflicts, absence and bad input', async () => {
    const input = {
      Name: 'reminder-task-1',
      GroupName: GROUP,
      ScheduleExpression: 'at(2030-01-01T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Target: {
        Arn: `${FUNCTION_ARN_PREFIX}remind`,
        RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
        Input: JSON.stringify({ taskId: 'task-1' }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21600 },
      },
    };
    const created = await clients.scheduler.send(new CreateScheduleCommand(input));
    expect(created.ScheduleArn).toBe(
      `arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/reminder-task-1`,
    );
    await expect(clients.scheduler.send(new CreateScheduleCommand(input))).rejects.toBeInstanceOf(
      ConflictException,
    );
    const got = await clients.scheduler.send(new GetScheduleCommand({ Name: input.Name, GroupName: GROUP }));
    expect(got).toMatchObject({
      Name: 'reminder-task-1',
      ScheduleExpression: 'at(2030-01-01T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: `${FUNCTION_ARN_PREFIX}remind`, Input: '{"taskId":"task-1"}' },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    await clients.scheduler.send(
      new UpdateScheduleCommand({ ...input, ScheduleExpression: 'at(2030-01-02T09:00:00)' }),
    );
    expect(scheduler.list().find((s) => s.name === input.Name)?.nextRun).toBe('2030-01-02T08:00:00.000Z');
    const listed = await clients.scheduler.send(
      new ListSchedulesCommand({ GroupName: GROUP, NamePrefix: 'reminder-' }),
    );
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['reminder-task-1']);
    await clients.scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: GROUP }));
    await expect(
      clients.scheduler.send(new GetScheduleCommand({ Name: input.Name, GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      clients.scheduler.send(
        new CreateScheduleCommand({ ...input, ScheduleExpression: 'cron(0 9 * * * *)' }),
      ),
    ).rejects.toBeInstanceOf(SchedulerValidationException);
  });

  it('product code’s own helpers work against it unchanged', async () => {
    const { putEvents } = await import('../../../shared/platform/aws/events.ts');
    const { sendMessages } = await import('../../../shared/platform/aws/queues.ts');
    const { upsertSchedule, deleteSchedule } = await import('../../../shared/platform/aws/scheduler.ts');
    await putEvents([
      { source: 'funnel.invoices', detailType: 'InvoiceIssued', detail: { invoiceId: 'i9' } },
    ]);
    await sendMessages('imports', [{ row: 99 }]);
    const request = {
      name: 'dunning-sweep-t9',
      expression: 'cron(0 6 * * ? *)',
      timezone: 'Europe/Berlin',
      target: 'dunning',
    };
    await upsertSchedule({ ...request, input: { schedule: 'dunning-sweep', tenantId: 't9' } });
    await upsertSchedule({ ...request, input: { schedule: 'dunning-sweep', tenantId: 't9', changed: true } });
    expect(scheduler.list().find((s) => s.name === 'dunning-sweep-t9')?.input).toMatchObject({
      changed: true,
    });
    await deleteSchedule('dunning-sweep-t9');
    await deleteSchedule('dunning-sweep-t9');
    expect(scheduler.list().find((s) => s.name === 'dunning-sweep-t9')).toBeUndefined();
    await bus.idle();
    await queues.idle();
    expect(delivered('audit')).toContainEqual(expect.objectContaining({ detail: { invoiceId: 'i9' } }));
    expect(delivered('import-rows').flatMap((e) => (e as SQSEvent).Records.map((r) => r.body))).toContain(
      '{"row":99}',
    );
  });

  it('answers an operation it does not implement with an AWS error, not a hang or a crash', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

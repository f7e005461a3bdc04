import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import { signUpOverHttp } from '../support/runtime.ts';
import {
  broken,
  fire,
  inject,
  mailsTo,
  ok,
  RetryingClient,
  settleAll,
  startFaultRuntime,
  unique,
} from './support.ts';

/**
 * The paths that send mail to many, under faults: SES throttling and failing, the planner and the
 * sender crashing after their work, queue messages, events and schedule firings delivered twice,
 * DynamoDB cancelling transactions and throttling. Each recipient gets exactly one email once
 * things settle, and no client sees a 5xx other than 503 with Retry-After.
 */
let runtime: LocalRuntime;
let client: RetryingClient;

beforeAll(async () => {
  runtime = await startFaultRuntime();
  const tenant = await signUpOverHttp(runtime);
  client = new RetryingClient(tenant.api);
});

afterAll(async () => {
  await runtime?.stop();
});

async function audience(tag: string, count: number) {
  const people = [];
  for (let i = 0; i < count; i++) {
    const email = `reader-${i}-${unique()}@customers.example`;
    const contact = await ok(
      client.post('/v1/contacts', {
        firstName: `Reader${i}`,
        lastName: 'Tester',
        email,
        lifecycleStage: 'customer',
        tags: [tag],
        marketingConsent: { status: 'granted', source: 'signup form' },
      }),
      201,
    );
    people.push({ id: contact.id as string, email, firstName: `Reader${i}` });
  }
  const segment = await ok(
    client.post('/v1/segments', { name: `Tagged ${tag}`, conditions: [{ type: 'tag', tag }] }),
    201,
  );
  return { people, segmentId: segment.id as string };
}

/** Faults every sending path meets, at every step from the plan to SES. */
function sendingFaults() {
  inject(
    runtime,
    { service: 'dynamodb', operation: 'TransactWriteItems', error: 'TransactionCanceledException', times: 4 },
    { service: 'dynamodb', error: 'ThrottlingException', probability: 0.05 },
    { service: 'dynamodb', operation: 'UpdateItem', error: 'InternalServerError', times: 2 },
    { service: 'ses', operation: 'SendEmail', error: 'TooManyRequestsException', times: 3 },
    { service: 'ses', operation: 'SendEmail', error: 'InternalFailure', times: 1 },
    { service: 'lambda', operation: 'mailing-planner', error: 'CrashAfterCommit', times: 1 },
    { service: 'lambda', operation: 'mailing-sender', error: 'CrashAfterCommit', times: 1 },
    { service: 'sqs', operation: 'mailing-planner', error: 'ConcurrentDuplicate', times: 1 },
    { service: 'sqs', operation: 'mailing-sender', error: 'Duplicate', times: 2 },
    { service: 'streams', operation: 'publish-events', error: 'Duplicate', times: 2 },
  );
}

describe('a campaign under faults', () => {
  it('sends each consenting recipient exactly one email and counts each once', async () => {
    const tag = `campaign-${unique()}`;
    const { people, segmentId } = await audience(tag, 12);
    await ok(client.post('/v1/topics', { id: 'news', name: 'News' }), 201);
    const template = await ok(
      client.post('/v1/templates', {
        name: 'News',
        subject: 'News for {{firstName | "you"}}',
        html: '<p>Hello {{firstName | "there"}}.</p>',
        text: 'Hello {{firstName | "there"}}.',
      }),
      201,
    );
    const campaign = await ok(
      client.post('/v1/campaigns', {
        name: 'News under faults',
        audience: { segments: [segmentId] },
        topicId: 'news',
        templateId: template.id,
      }),
      201,
    );
    await settleAll(runtime);

    sendingFaults();
    inject(runtime, {
      service: 'lambda',
      operation: 'marketing-events',
      error: 'CrashAfterCommit',
      times: 1,
    });
    await ok(client.post(`/v1/campaigns/${campaign.id}/send`));
    await settleAll(runtime);

    for (const person of people) {
      const mails = await mailsTo(runtime, person.email);
      expect(
        mails.map((m) => m.subject),
        person.email,
      ).toEqual([`News for ${person.firstName}`]);
    }
    const stats = await ok(client.get(`/v1/campaigns/${campaign.id}/stats`));
    expect(stats).toMatchObject({
      status: 'sent',
      counts: { recipients: people.length, sent: people.length, queued: 0, failed: 0 },
    });
    expect(broken).toEqual([]);
    expect(runtime.deadLetters.list()).toEqual([]);
  }, 120_000);
});

describe('a survey wave under faults', () => {
  it('invites each sampled recipient exactly once, however often the wave fires', async () => {
    const tag = `survey-${unique()}`;
    const { people, segmentId } = await audience(tag, 8);
    await ok(client.post('/v1/topics', { id: 'satisfaction', name: 'Satisfaction surveys' }), 201);
    const survey = await ok(
      client.post('/v1/surveys', {
        title: 'How are we doing?',
        questions: [{ id: 'recommend', type: 'nps', text: 'How likely are you to recommend us?' }],
        audience: { segments: [segmentId] },
        topicId: 'satisfaction',
        schedule: {
          startsAt: localDateTime(new Date(Date.now() + 3_600_000), 'Europe/Paris'),
          rrule: 'FREQ=MONTHLY;INTERVAL=3',
        },
      }),
      201,
    );
    await ok(client.patch(`/v1/surveys/${survey.id}`, { status: 'active' }));
    await settleAll(runtime);
    const schedule = runtime.scheduler.list().find((s) => s.name.startsWith(`survey-wave-${survey.id}-`));
    expect(schedule, 'the pending wave has a one-time schedule').toBeDefined();

    sendingFaults();
    inject(
      runtime,
      { service: 'scheduler', operation: 'surveys-jobs', error: 'ConcurrentDuplicate', times: 1 },
      { service: 'lambda', operation: 'surveys-jobs', error: 'CrashAfterCommit', times: 1 },
      { service: 'lambda', operation: 'surveys-events', error: 'CrashAfterCommit', times: 1 },
      { service: 'events', operation: 'surveys-events', error: 'Duplicate', times: 2 },
    );
    await fire(runtime, schedule!.name);
    await settleAll(runtime);

    for (const person of people) {
      const mails = await mailsTo(runtime, person.email);
      expect(
        mails.map((m) => m.subject),
        person.email,
      ).toEqual(['How are we doing?']);
    }
    const waves = (await ok(client.get(`/v1/surveys/${survey.id}/waves`))).items;
    expect(waves.filter((w: { channel: string }) => w.channel === 'email')).toEqual([
      expect.objectContaining({ mailingStatus: 'sent', invited: people.length }),
    ]);
    expect(broken).toEqual([]);
    expect(runtime.deadLetters.list()).toEqual([]);
  }, 120_000);
});

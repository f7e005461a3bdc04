import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { type BusEvent, LocalEventBus } from '../../../infra/local/aws/event-bus.ts';
import { type SesFront, startSesFront } from '../../../infra/local/aws/ses-front.ts';
import { freePort } from '../../../infra/local/ports.ts';

const CONFIGURATION_SET = 'funnel-test';

let front: SesFront;
let bus: LocalEventBus;
let ses: SESv2Client;
const received: BusEvent[] = [];

beforeAll(async () => {
  bus = new LocalEventBus({
    rules: [
      {
        name: 'ses-events',
        description: '',
        bus: 'default',
        pattern: { source: ['aws.ses'] },
        target: 'record-email-event',
      },
    ],
    domainBusName: 'funnel-test',
    deadLetters: new MemoryDeadLetters(),
    invoke: async (_, event) => {
      received.push(event as BusEvent);
    },
  });
  front = await startSesFront({
    host: '127.0.0.1',
    port: await freePort(),
    bus,
    configurationSet: CONFIGURATION_SET,
    // SES sends only from verified identities; these tests send as Acme.
    preverified: ['acme.example'],
  });
  ses = new SESv2Client({
    endpoint: front.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  ses?.destroy();
  bus?.close();
  await front?.close();
});

beforeEach(async () => {
  received.length = 0;
  await fetch(`${front.url}/clear-store`, { method: 'POST' });
});

function email(to: string[], overrides: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput {
  return {
    FromEmailAddress: '"Acme Billing" <billing@acme.example>',
    Destination: { ToAddresses: to },
    ConfigurationSetName: CONFIGURATION_SET,
    EmailTags: [
      { Name: 'tenantId', Value: 't1' },
      { Name: 'kind', Value: 'invoice' },
    ],
    Content: {
      Simple: {
        Subject: { Data: 'Invoice 2025-0042', Charset: 'UTF-8' },
        Body: {
          Text: { Data: 'Please pay.', Charset: 'UTF-8' },
          Html: { Data: '<p>Please pay.</p>', Charset: 'UTF-8' },
        },
        Headers: [{ Name: 'List-Unsubscribe', Value: '<https://example.test/u/1>' }],
      },
    },
    ...overrides,
  };
}

async function send(input: SendEmailCommandInput) {
  const { MessageId } = await ses.send(new SendEmailCommand(input));
  // Events go out once the response has been written; the bus delivers them asynchronously.
  await front.idle();
  await bus.idle();
  return MessageId!;
}

const summary = () =>
  received
    .map((e) => [e['detail-type'], (e.detail as { eventType: string }).eventType, recipientOf(e)])
    .sort((a, b) => String(a).localeCompare(String(b)));

function recipientOf(event: BusEvent): string | undefined {
  const detail = event.detail as {
    delivery?: { recipients: string[] };
    bounce?: { bouncedRecipients: Array<{ emailAddress: string }> };
    complaint?: { complainedRecipients: Array<{ emailAddress: string }> };
  };
  return (
    detail.delivery?.recipients[0] ??
    detail.bounce?.bouncedRecipients[0]?.emailAddress ??
    detail.complaint?.complainedRecipients[0]?.emailAddress
  );
}

describe('the local SES front', () => {
  it('stores the mail in the emulator and publishes Sent and Delivered on the default bus, as SES does', async () => {
    const messageId = await send(email(['ada@customer.example']));
    const store = (await (await fetch(`${front.url}/store`)).json()) as {
      emails: Array<{ messageId: string; subject: string; destination: { to: string[] } }>;
    };
    expect(store.emails).toEqual([
      expect.objectContaining({
        messageId,
        subject: 'Invoice 2025-0042',
        destination: expect.objectContaining({ to: ['ada@customer.example'] }),
      }),
    ]);
    expect(summary()).toEqual([
      ['Email Delivered', 'Delivery', 'ada@customer.example'],
      ['Email Sent', 'Send', undefined],
    ]);
    const sent = received.find((e) => e['detail-type'] === 'Email Sent')!;
    expect(sent).toMatchObject({
      source: 'aws.ses',
      account: '000000000000',
      region: 'us-east-1',
      resources: [`arn:aws:ses:us-east-1:000000000000:configuration-set/${CONFIGURATION_SET}`],
      detail: {
        eventType: 'Send',
        send: {},
        mail: {
          messageId,
          source: '"Acme Billing" <billing@acme.example>',
          destination: ['ada@customer.example'],
          headersTruncated: false,
          commonHeaders: {
            from: ['"Acme Billing" <billing@acme.example>'],
            to: ['ada@customer.example'],
            messageId,
            subject: 'Invoice 2025-0042',
          },
          tags: {
            tenantId: ['t1'],
            kind: ['invoice'],
            'ses:configuration-set': [CONFIGURATION_SET],
            'ses:from-domain': ['acme.example'],
          },
        },
      },
    });
    const headers = (sent.detail as { mail: { headers: Array<{ name: string; value: string }> } }).mail
      .headers;
    expect(headers).toContainEqual({ name: 'List-Unsubscribe', value: '<https://example.test/u/1>' });
    const delivered = received.find((e) => e['detail-type'] === 'Email Delivered')!;
    expect(delivered.detail).toMatchObject({
      eventType: 'Delivery',
      mail: { messageId },
      delivery: { recipients: ['ada@customer.example'], smtpResponse: expect.stringMatching(/^250 /) },
    });
  });

  it('answers the mailbox simulator’s addresses with their bounces and complaints', async () => {
    await send(
      email([
        'bounce@simulator.amazonses.com',
        'complaint@simulator.amazonses.com',
        'ooto@simulator.amazonses.com',
        'suppressionlist+campaign-7@simulator.amazonses.com',
      ]),
    );
    expect(summary()).toEqual([
      ['Email Bounced', 'Bounce', 'bounce@simulator.amazonses.com'],
      ['Email Bounced', 'Bounce', 'suppressionlist+campaign-7@simulator.amazonses.com'],
      ['Email Complaint Received', 'Complaint', 'complaint@simulator.amazonses.com'],
      ['Email Delivered', 'Delivery', 'complaint@simulator.amazonses.com'],
      ['Email Delivered', 'Delivery', 'ooto@simulator.amazonses.com'],
      ['Email Sent', 'Send', undefined],
    ]);
    const bounces = received
      .filter((e) => e['detail-type'] === 'Email Bounced')
      .map((e) => (e.detail as { bounce: Record<string, unknown> }).bounce);
    expect(bounces).toContainEqual(
      expect.objectContaining({
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          expect.objectContaining({ emailAddress: 'bounce@simulator.amazonses.com', status: '5.1.1' }),
        ],
      }),
    );
    expect(bounces).toContainEqual(
      expect.objectContaining({ bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' }),
    );
    const complaint = received.find((e) => e['detail-type'] === 'Email Complaint Received')!;
    expect(complaint.detail).toMatchObject({
      complaint: {
        complaintFeedbackType: 'abuse',
        complainedRecipients: [{ emailAddress: 'complaint@simulator.amazonses.com' }],
      },
    });
  });

  it('publishes nothing for a mail sent without the configuration set, and still stores it', async () => {
    await send(email(['ada@customer.example'], { ConfigurationSetName: undefined }));
    expect(received).toEqual([]);
    const store = (await (await fetch(`${front.url}/store`)).json()) as { emails: unknown[] };
    expect(store.emails).toHaveLength(1);
  });

  it('passes the emulator’s own errors and its mail viewer through unchanged', async () => {
    await expect(
      ses.send(new SendEmailCommand(email(['ada@customer.example'], { FromEmailAddress: undefined }))),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
    expect(received).toEqual([]);
    const viewer = await fetch(`${front.url}/`);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toMatch(/text\/html/);
  });
});

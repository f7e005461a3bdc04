import {
  CreateEmailIdentityCommand,
  CreateTenantCommand,
  CreateTenantResourceAssociationCommand,
  GetEmailIdentityCommand,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SesFront, startSesFront } from '../../../infra/local/aws/ses-front.ts';
import { freePort } from '../../../infra/local/ports.ts';
import { confirmSesIdentity } from '../../support/verification.ts';

/** The SES front answers the identity and tenant calls the code makes, and refuses what SES refuses. */
let front: SesFront;
let ses: SESv2Client;

beforeAll(async () => {
  front = await startSesFront({ host: '127.0.0.1', port: await freePort(), configurationSet: 'cs' });
  ses = new SESv2Client({
    endpoint: front.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  ses.destroy();
  await front.close();
});

const mail = (from: string, more: Partial<SendEmailCommandInput> = {}) =>
  new SendEmailCommand({
    FromEmailAddress: from,
    Destination: { ToAddresses: ['ada@customer.example'] },
    Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
    ...more,
  });

describe('the local SES identities', () => {
  it('refuse a send from an address no verified identity covers, as SES does', async () => {
    await expect(ses.send(mail('"Mallory" <ceo@victim.example>'))).rejects.toMatchObject({
      name: 'MessageRejected',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('verify an address when the link mailed to it is followed, and only then send from it', async () => {
    const created = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'hello@shop.example' }));
    expect(created).toMatchObject({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false });
    await expect(ses.send(mail('hello@shop.example'))).rejects.toMatchObject({ name: 'MessageRejected' });

    await confirmSesIdentity(front.url, 'hello@shop.example');
    const read = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'hello@shop.example' }));
    expect(read).toMatchObject({ VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
    expect((await ses.send(mail('hello@shop.example'))).MessageId).toBeTruthy();
  });

  it('give a domain DKIM tokens and verify it, with every address under it, when told its records are published', async () => {
    const created = await ses.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: 'brand.example',
        Tags: [{ Key: 'funnel:tenant', Value: 't1' }],
      }),
    );
    expect(created.DkimAttributes?.Tokens).toHaveLength(3);
    await expect(ses.send(mail('news@mail.brand.example'))).rejects.toMatchObject({
      name: 'MessageRejected',
    });

    const published = await fetch(`${front.url}/_local/identities/brand.example/verify`, { method: 'POST' });
    expect(published.status).toBe(200);
    expect((await ses.send(mail('news@mail.brand.example'))).MessageId).toBeTruthy();
    const read = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'brand.example' }));
    expect(read.Tags).toEqual([{ Key: 'funnel:tenant', Value: 't1' }]);
  });

  it('keep one identity per account: creating it again is AlreadyExists', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'twice.example' }));
    await expect(
      ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'twice.example' })),
    ).rejects.toMatchObject({
      name: 'AlreadyExistsException',
    });
  });

  it('refuse a send for an SES tenant the identity is not associated with', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'tenanted.example' }));
    await fetch(`${front.url}/_local/identities/tenanted.example/verify`, { method: 'POST' });
    await ses.send(new CreateTenantCommand({ TenantName: 'cs-a' }));
    await ses.send(new CreateTenantCommand({ TenantName: 'cs-b' }));
    await ses.send(
      new CreateTenantResourceAssociationCommand({
        TenantName: 'cs-a',
        ResourceArn: 'arn:aws:ses:us-east-1:000000000000:identity/tenanted.example',
      }),
    );
    expect((await ses.send(mail('x@tenanted.example', { TenantName: 'cs-a' }))).MessageId).toBeTruthy();
    await expect(ses.send(mail('x@tenanted.example', { TenantName: 'cs-b' }))).rejects.toMatchObject({
      name: 'MessageRejected',
    });
  });
});

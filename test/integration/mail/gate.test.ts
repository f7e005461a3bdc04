import { beforeAll, describe, expect, inject, it } from 'vitest';
import { assertMaySendAs } from '../../../shared/mail/gate.ts';
import { sendMail } from '../../../shared/mail/service.ts';
import { unitOfWork } from '../../../shared/platform/db/repository.ts';
import { tenancyKeys } from '../../../shared/tenancy/keys.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(useTable);

async function mailsTo(address: string): Promise<unknown[]> {
  const store = (await (await fetch(`${inject('sesEndpoint')}/store`)).json()) as {
    emails: Array<{ destination: { to: string[] } }>;
  };
  return store.emails.filter((m) => m.destination.to.includes(address));
}

const message = (from: string, to: string) => ({
  category: 'transactional' as const,
  sender: { name: 'Acme', email: from },
  to,
  subject: 'Your invoice',
  text: 'Hello',
  html: '<p>Hello</p>',
  tags: { kind: 'test' },
});

describe('the sending gate', () => {
  it('sends nothing for a tenant whose admin has not verified their address, and says why', async () => {
    const tenant = await newTenant({}, undefined, { verify: false });
    const to = `grace-${tenant.tenant.id}@customer.example`;
    const outcome = await sendMail(tenant.ctx, message(tenant.tenant.sender.email, to));
    expect(outcome).toMatchObject({ status: 'blocked', refusal: 'tenant_unverified' });
    expect(await mailsTo(to)).toEqual([]);
  });

  it("sends only from the tenant's verified identities", async () => {
    const tenant = await newTenant();
    const to = `grace-${tenant.tenant.id}@customer.example`;
    const spoofed = await sendMail(tenant.ctx, message('ceo@bank.example', to));
    expect(spoofed).toMatchObject({ status: 'blocked', refusal: 'sender_unverified' });
    expect(await mailsTo(to)).toEqual([]);
    const own = await sendMail(tenant.ctx, message(tenant.tenant.sender.email, to));
    expect(own.status).toBe('sent');
    expect(await mailsTo(to)).toHaveLength(1);
  });

  it('sends nothing for a tenant frozen for deletion, even from a verified identity', async () => {
    const tenant = await newTenant();
    const to = `frozen-${tenant.tenant.id}@customer.example`;
    // The freeze as a confirmed deletion leaves it (its flow is tested in test/e2e/tenant-deletion.test.ts).
    await unitOfWork(tenant.ctx)
      .update(tenancyKeys.tenant(tenant.ctx.tenantId), { set: { status: 'frozen' } })
      .commit();
    const outcome = await sendMail(tenant.ctx, message(tenant.tenant.sender.email, to));
    expect(outcome).toMatchObject({ status: 'blocked', refusal: 'tenant_frozen' });
    await expect(
      assertMaySendAs(tenant.ctx, tenant.tenant.sender.email, 'sender.email'),
    ).rejects.toMatchObject({
      details: { reason: 'tenant_frozen' },
    });
    expect(await mailsTo(to)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { type Footer, renderMessage } from '../../../shared/marketing/message.tsx';
import { translator } from '../../../shared/platform/i18n/translator.ts';
import type { Tenant } from '../../../shared/tenancy/schema.ts';

const tenant: Tenant = {
  id: 't1',
  name: 'Acme',
  timeZone: 'Europe/Paris',
  currency: 'EUR',
  sender: { name: 'Acme', email: 'news@acme.test' },
  postalAddress: { lines: ['1 rue de la Paix'], postalCode: '75002', city: 'Paris', country: 'FR' },
  financeEmail: 'finance@acme.test',
  locale: 'en-US',
  settings: { quoteFollowUpDays: 3, allowBackorders: false, emailPurchaseOrders: false, dailyJobHour: 8 },
  emailVerification: { status: 'verified', email: 'ada@acme.test', verifiedAt: '2026-01-01T00:00:00.000Z' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};
const links = { unsubscribeUrl: 'https://crm.test/u/abc', preferencesUrl: 'https://crm.test/p/abc' };
const content = { subject: 'Hello {{firstName}}', html: '<html><body><p>Hi</p></body></html>', text: 'Hi' };
const i18n = await translator('en-US');
const render = (footer: Partial<Footer>) =>
  renderMessage(content, { firstName: 'Ada' }, { tenant, links, topicName: 'Newsletter', i18n, ...footer });

describe('renderMessage', () => {
  it('gives marketing email the postal address, both footer links and the RFC 8058 headers', () => {
    const message = render({});
    expect(message.subject).toBe('Hello Ada');
    expect(message.text).toContain('1 rue de la Paix, 75002 Paris, FR');
    expect(message.text).toContain('Unsubscribe: https://crm.test/u/abc');
    expect(message.html).toMatch(/href="https:\/\/crm.test\/u\/abc">Unsubscribe<\/a>[\s\S]*<\/body>/);
    expect(message.headers).toEqual({
      'List-Unsubscribe': expect.stringMatching(/^<https:\/\/crm.test\/u\/abc>, <mailto:news@acme.test\?/),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('gives transactional email the sender and address but no unsubscribe links or headers', () => {
    const message = render({ transactional: true });
    expect(message.text).toContain('1 rue de la Paix');
    expect(message.text).not.toContain('Unsubscribe');
    expect(message.html).not.toContain('crm.test/u/abc');
    expect(message.html).not.toContain('crm.test/p/abc');
    expect(message.headers).toEqual({});
  });

  it('writes the footer in the recipient’s language, the tenant’s content as it is', async () => {
    const message = render({ i18n: await translator('fr-FR') });
    expect(message.subject).toBe('Hello Ada');
    expect(message.text).toContain('Vous recevez «\u00a0Newsletter\u00a0» de Acme.');
    expect(message.text).toContain('Se désabonner\u00a0: https://crm.test/u/abc');
    expect(message.html).toContain('<a href="https://crm.test/u/abc">Se désabonner</a>');
  });
});

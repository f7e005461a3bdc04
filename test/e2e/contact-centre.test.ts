import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_MAIL_DOMAIN, type LocalRuntime } from '../../infra/local/runtime.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The contact centre through the local runtime, as a customer and an agent meet it: real SMTP to
 * the local listener, the local S3 and its notification, the inbound function, the outbox, the
 * bus, the mail consumer and the SES emulator's store.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let support: string;

interface StoredMail {
  subject: string;
  from: string;
  replyTo: string[];
  destination: { to: string[] };
  body: { text?: string };
  headers?: Array<{ name: string; value: string }>;
}

async function mailsTo(address: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

const header = (mail: StoredMail, name: string) =>
  mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

/** A message as a customer's client sends it, over SMTP to the local listener. */
function smtp() {
  return createTransport({
    host: runtime.smtp.host,
    port: runtime.smtp.port,
    secure: false,
    ignoreTLS: true,
  });
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  support = `${tenant.tenantId.toLowerCase()}@${INBOUND_MAIL_DOMAIN}`;
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a customer writes to the support address', () => {
  const customer = 'grace.hopper@customers.example';
  const firstMessageId = `<first.${Date.now()}@customers.example>`;
  const attachment = Buffer.from('%PDF-1.4 the invoice the customer disputes\n', 'utf8');
  let caseId: string;
  let replyMessageId: string;

  it('opens a case with the attachment as a document and acknowledges it with the case reference', async () => {
    await smtp().sendMail({
      from: { name: 'Grace Hopper', address: customer },
      to: support,
      subject: 'Invoice 2026-0042 is wrong',
      text: 'The total is off by 10 EUR. The invoice is attached.',
      messageId: firstMessageId,
      attachments: [{ filename: 'invoice.pdf', content: attachment, contentType: 'application/pdf' }],
    });
    await runtime.settle();

    const list = await tenant.api.get('/v1/cases');
    expect(list.status, list.text).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const opened = list.body.items[0];
    caseId = opened.id;
    expect(opened).toMatchObject({
      subject: 'Invoice 2026-0042 is wrong',
      channel: 'email',
      status: 'new',
      number: 1,
      requester: { name: 'Grace Hopper', email: customer },
      messageCount: 1,
    });
    expect(opened.contactId).toBeDefined();
    const contact = await tenant.api.get(`/v1/contacts/${opened.contactId}`);
    expect(contact.body).toMatchObject({ email: customer, firstName: 'Grace', lifecycleStage: 'lead' });

    const messages = await tenant.api.get(`/v1/cases/${caseId}/messages`);
    expect(messages.body.items).toHaveLength(1);
    expect(messages.body.items[0]).toMatchObject({
      direction: 'in',
      text: 'The total is off by 10 EUR. The invoice is attached.',
      mailMessageId: firstMessageId,
    });
    const documents = await tenant.api.get(`/v1/documents?kind=case&id=${caseId}`);
    expect(documents.body.items).toHaveLength(1);
    expect(documents.body.items[0]).toMatchObject({
      name: 'invoice.pdf',
      contentType: 'application/pdf',
      size: attachment.length,
    });
    expect(messages.body.items[0].documentIds).toEqual([documents.body.items[0].id]);
    const download = await tenant.api.get(`/v1/documents/${documents.body.items[0].id}/download`);
    expect(download.status, download.text).toBe(200);
    const file = await fetch(download.body.url);
    expect(Buffer.from(await file.arrayBuffer()).equals(attachment)).toBe(true);

    const [ack, ...more] = await mailsTo(customer);
    expect(more).toHaveLength(0);
    expect(ack!.subject).toBe('Re: Invoice 2026-0042 is wrong [#1]');
    expect(ack!.body.text).toContain('case #1');
    expect(ack!.replyTo.join()).toContain(`+${caseId.toLowerCase()}@${INBOUND_MAIL_DOMAIN}`);
    expect(header(ack!, 'In-Reply-To')).toBe(firstMessageId);
    expect(header(ack!, 'Auto-Submitted')).toBe('auto-replied');
  });

  it("mails an agent's reply with threading headers that point at the customer's message", async () => {
    const reply = await tenant.api.post(`/v1/cases/${caseId}/messages`, {
      text: 'Thank you, we are correcting the invoice.',
      status: 'pending',
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.headers.get('location')).toBe(`/v1/cases/${caseId}/messages/${reply.body.id}`);
    replyMessageId = reply.body.mailMessageId;
    await runtime.settle();

    const mails = await mailsTo(customer);
    expect(mails).toHaveLength(2);
    const mailed = mails[1]!;
    expect(mailed.subject).toBe('Re: Invoice 2026-0042 is wrong [#1]');
    expect(header(mailed, 'Message-ID')).toBe(replyMessageId);
    expect(header(mailed, 'In-Reply-To')).toBe(firstMessageId);
    expect(header(mailed, 'References')).toContain(firstMessageId);
    expect(mailed.body.text).toContain('Thank you, we are correcting the invoice.');
    expect(mailed.body.text).toContain('> The total is off by 10 EUR.');
    const stored = await tenant.api.get(`/v1/cases/${caseId}/messages/${reply.body.id}`);
    expect(stored.body.delivery).toBe('sent');
    const c = await tenant.api.get(`/v1/cases/${caseId}`);
    expect(c.body).toMatchObject({ status: 'pending', messageCount: 2 });
    expect(c.body.firstResponseAt).toBeDefined();
  });

  it("lands the customer's answer over SMTP on the same case, which reopens", async () => {
    await smtp().sendMail({
      from: { name: 'Grace Hopper', address: customer },
      to: support,
      subject: 'Re: Invoice 2026-0042 is wrong [#1]',
      text: `Great, thanks!\n\nOn Mon, 2 Mar 2026, Support wrote:\n> Thank you, we are correcting the invoice.\n`,
      inReplyTo: replyMessageId,
      references: [firstMessageId, replyMessageId],
    });
    await runtime.settle();

    const list = await tenant.api.get('/v1/cases');
    expect(list.body.items).toHaveLength(1);
    const c = await tenant.api.get(`/v1/cases/${caseId}`);
    expect(c.body).toMatchObject({ status: 'open', messageCount: 3 });
    const messages = await tenant.api.get(`/v1/cases/${caseId}/messages`);
    expect(messages.body.items.at(-1)).toMatchObject({ direction: 'in', text: 'Great, thanks!' });
    // An answer is not acknowledged again.
    expect(await mailsTo(customer)).toHaveLength(2);
  });

  it('creates nothing twice when the same message is delivered again', async () => {
    await smtp().sendMail({
      from: { name: 'Grace Hopper', address: customer },
      to: support,
      subject: 'Invoice 2026-0042 is wrong',
      text: 'The total is off by 10 EUR. The invoice is attached.',
      messageId: firstMessageId,
      attachments: [{ filename: 'invoice.pdf', content: attachment, contentType: 'application/pdf' }],
    });
    await runtime.settle();

    expect((await tenant.api.get('/v1/cases')).body.items).toHaveLength(1);
    expect((await tenant.api.get(`/v1/cases/${caseId}/messages`)).body.items).toHaveLength(3);
    expect((await tenant.api.get(`/v1/documents?kind=case&id=${caseId}`)).body.items).toHaveLength(1);
    expect(await mailsTo(customer)).toHaveLength(2);
  });
});

describe('solving the case', () => {
  it("mails the customer the tenant's satisfaction survey, once", async () => {
    const survey = await tenant.api.post('/v1/surveys', {
      title: 'How did we do?',
      questions: [{ id: 'support', type: 'csat', text: 'How satisfied are you with our answer?' }],
    });
    expect(survey.status, survey.text).toBe(201);
    expect((await tenant.api.patch(`/v1/surveys/${survey.body.id}`, { status: 'active' })).status).toBe(200);
    const settings = await tenant.api.put('/v1/case-settings', {
      week: { '1': { opens: '09:00', closes: '17:00' } },
      holidays: [],
      csatSurveyId: survey.body.id,
    });
    expect(settings.status, settings.text).toBe(200);

    const [opened] = (await tenant.api.get('/v1/cases')).body.items;
    const solved = await tenant.api.patch(`/v1/cases/${opened.id}`, { status: 'solved' });
    expect(solved.status, solved.text).toBe(200);
    await runtime.settle();
    const surveys = (await mailsTo('grace.hopper@customers.example')).filter(
      (m) => m.subject === 'How did we do?',
    );
    expect(surveys).toHaveLength(1);
    expect(surveys[0]!.body.text).toMatch(/\/v1\/survey-forms\//);

    // Reopened by the customer and solved again: not surveyed twice.
    await tenant.api.patch(`/v1/cases/${opened.id}`, { status: 'open' });
    await tenant.api.patch(`/v1/cases/${opened.id}`, { status: 'solved' });
    await runtime.settle();
    expect(
      (await mailsTo('grace.hopper@customers.example')).filter((m) => m.subject === 'How did we do?'),
    ).toHaveLength(1);
  });
});

describe('phone calls', () => {
  it('opens a case from a call and logs the call back, which answers the customer', async () => {
    const opened = await tenant.api.post('/v1/cases', {
      subject: 'Called about a late delivery',
      text: 'Order 1042 has not arrived.',
      channel: 'phone',
      requesterEmail: 'alan.turing@customers.example',
      requesterName: 'Alan Turing',
    });
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body).toMatchObject({ channel: 'phone', status: 'new', messageCount: 1 });
    const call = await tenant.api.post(`/v1/cases/${opened.body.id}/calls`, {
      direction: 'outbound',
      phoneNumber: '+44 20 7946 0000',
      durationSeconds: 240,
      notes: 'The parcel is at the depot; delivery tomorrow.',
    });
    expect(call.status, call.text).toBe(201);
    expect(call.headers.get('location')).toBe(`/v1/cases/${opened.body.id}/messages/${call.body.id}`);
    expect(call.body).toMatchObject({ channel: 'phone', direction: 'out', call: { durationSeconds: 240 } });
    await runtime.settle();
    const c = (await tenant.api.get(`/v1/cases/${opened.body.id}`)).body;
    expect(c).toMatchObject({ status: 'open', messageCount: 2 });
    expect(c.firstResponseAt).toBeDefined();
    const timeline = await tenant.api.get(`/v1/contacts/${c.contactId}/timeline`);
    expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toEqual(['call', 'case']);
    // Nothing is mailed for a call.
    expect(await mailsTo('alan.turing@customers.example')).toHaveLength(0);
  });
});

describe('cases opened at the same moment', () => {
  it('all open, with distinct numbers, and one contact for a new requester', async () => {
    const email = `rush-${Date.now()}@customers.example`;
    const opened = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) =>
        tenant.api.post('/v1/cases', { subject: `Rush ${i}`, text: 'At once.' }),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        tenant.api.post('/v1/cases', {
          subject: `Same requester ${i}`,
          text: 'From one new address.',
          requesterEmail: email,
          requesterName: 'Rush Hour',
        }),
      ),
    ]);
    expect(opened.map((r) => r.status)).toEqual(opened.map(() => 201));
    const numbers = opened.map((r) => r.body.number as number);
    expect(new Set(numbers).size).toBe(numbers.length);
    const requesters = new Set(opened.slice(12).map((r) => r.body.contactId as string));
    expect(requesters.size).toBe(1);
  });
});

describe('a public reply with nobody to mail', () => {
  it('says it failed and why, rather than sending for good', async () => {
    const opened = await tenant.api.post('/v1/cases', {
      subject: 'Called from a withheld number',
      text: 'Wants a call back about their order.',
      channel: 'phone',
      requesterName: 'Bob',
    });
    expect(opened.status, opened.text).toBe(201);
    const reply = await tenant.api.post(`/v1/cases/${opened.body.id}/messages`, { text: 'We called back.' });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body.delivery).toBe('sending');
    await runtime.settle();
    const stored = await tenant.api.get(`/v1/cases/${opened.body.id}/messages/${reply.body.id}`);
    expect(stored.body).toMatchObject({
      delivery: 'failed',
      deliveryReason: 'The requester has no email address.',
    });
  });
});

describe("a contact's erasure", () => {
  it('keeps their cases for the numbers and takes who they were and what was written', async () => {
    const opened = await tenant.api.post('/v1/cases', {
      subject: 'Ada Byron cannot sign in',
      text: 'My password is ada1815 and it fails.',
      requesterEmail: 'ada.byron@customers.example',
      requesterName: 'Ada Byron',
    });
    expect(opened.status, opened.text).toBe(201);
    const caseId = opened.body.id as string;
    expect(
      (await tenant.api.post(`/v1/cases/${caseId}/messages`, { text: 'Dear Ada, try again now.' })).status,
    ).toBe(201);
    const call = await tenant.api.post(`/v1/cases/${caseId}/calls`, {
      direction: 'inbound',
      phoneNumber: '+44 20 7946 1815',
      durationSeconds: 60,
      notes: 'Ada called back: it works.',
    });
    expect(call.status, call.text).toBe(201);
    await runtime.settle();

    expect((await tenant.api.delete(`/v1/contacts/${opened.body.contactId}`)).status).toBe(204);
    await runtime.settle();

    const kept = await tenant.api.get(`/v1/cases/${caseId}`);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ number: opened.body.number, messageCount: 3, requester: { name: '' } });
    expect(kept.body.firstResponseAt).toBeDefined();
    expect(kept.body.personErasedAt).toBeDefined();
    expect(kept.body.contactId).toBeUndefined();
    const conversation = (await tenant.api.get(`/v1/cases/${caseId}/messages`)).body.items;
    expect(conversation).toHaveLength(3);
    const everything = JSON.stringify([kept.body, conversation]);
    for (const personal of ['Ada', 'ada1815', 'ada.byron', '7946 1815'])
      expect(everything).not.toContain(personal);
    expect(conversation.map((m: { direction: string }) => m.direction)).toEqual(['in', 'out', 'in']);
    expect(conversation[2].call).toEqual({ durationSeconds: 60 });
    // Nothing of theirs is listed under the erased contact any more.
    const listed = await tenant.api.get(`/v1/cases?contactId=${opened.body.contactId}`);
    expect(listed.body.items).toHaveLength(0);
  });

  it('reaches the cases and documents of a duplicate merged into them', async () => {
    const keep = await tenant.api.post('/v1/contacts', { firstName: 'Grace', lastName: 'Kept' });
    const dup = await tenant.api.post('/v1/contacts', {
      firstName: 'Grace',
      lastName: 'Duplicate',
      email: `grace.dup.${Date.now()}@customers.example`,
    });
    const opened = await tenant.api.post('/v1/cases', {
      subject: 'Grace Duplicate wants her data',
      text: 'Please send me what you hold.',
      contactId: dup.body.id,
    });
    expect(opened.status, opened.text).toBe(201);
    const bytes = Buffer.from('passport of Grace Duplicate');
    const announced = await tenant.api.post('/v1/documents', {
      name: 'passport.txt',
      contentType: 'text/plain',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('base64'),
      attachTo: [{ kind: 'contact', id: dup.body.id }],
    });
    expect(announced.status, announced.text).toBe(201);
    const upload = announced.body.upload as { url: string; headers: Record<string, string> };
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(
      200,
    );
    expect((await tenant.api.post(`/v1/documents/${announced.body.id}/complete`, {})).status).toBe(200);

    expect(
      (await tenant.api.post(`/v1/contacts/${keep.body.id}/merge`, { duplicateId: dup.body.id })).status,
    ).toBe(202);
    await runtime.settle();
    const cases = await tenant.api.get(`/v1/cases?contactId=${keep.body.id}`);
    expect(cases.body.items.map((c: { id: string }) => c.id)).toEqual([opened.body.id]);
    const documents = await tenant.api.get(`/v1/documents?kind=contact&id=${keep.body.id}`);
    expect(documents.body.items.map((d: { id: string }) => d.id)).toEqual([announced.body.id]);

    expect((await tenant.api.delete(`/v1/contacts/${keep.body.id}`)).status).toBe(204);
    await runtime.settle();
    const erased = await tenant.api.get(`/v1/cases/${opened.body.id}`);
    expect(erased.body.personErasedAt).toBeDefined();
    expect(JSON.stringify(erased.body)).not.toContain('Grace');
    expect((await tenant.api.get(`/v1/documents/${announced.body.id}`)).status).toBe(404);
    expect(runtime.deadLetters.list()).toEqual([]);
  });
});

describe('what the support address refuses or keeps aside', () => {
  it('refuses an unknown recipient at RCPT TO', async () => {
    const unknown = `01aaaaaaaaaaaaaaaaaaaaaaaa@${INBOUND_MAIL_DOMAIN}`;
    await expect(
      smtp().sendMail({ from: 'someone@customers.example', to: unknown, subject: 'Hello', text: 'Hi' }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('opens no case for an auto-reply or for mail SES flags as spam', async () => {
    const before = (await tenant.api.get('/v1/cases')).body.items.length;
    await smtp().sendMail({
      from: 'out-of-office@customers.example',
      to: support,
      subject: 'Out of office',
      text: 'I am away until Monday.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    runtime.smtp.flagNext({ spam: 'FAIL' });
    await smtp().sendMail({
      from: 'spammer@spam.example',
      to: support,
      subject: 'Cheap watches',
      text: 'Buy now',
      // A sender cannot vouch for itself: the receiver's verdict wins.
      headers: { 'X-SES-Spam-Verdict': 'PASS' },
    });
    await runtime.settle();
    expect((await tenant.api.get('/v1/cases')).body.items).toHaveLength(before);
    expect(await mailsTo('out-of-office@customers.example')).toHaveLength(0);
  });
});

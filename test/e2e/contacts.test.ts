import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/** The address book through the local runtime: HTTP, bus, queue worker and public pages. */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let api: Api;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  api = tenant.api;
});

afterAll(async () => {
  await runtime?.stop();
});

const csv = (text: string) => ({ raw: text, headers: { 'content-type': 'text/csv' } });

async function importCsv(path: string, text: string) {
  const response = await api.request('POST', path, undefined, csv(text));
  expect(response.status, response.text).toBe(202);
  return response.body;
}

async function finished(importId: string) {
  await runtime.settle();
  const response = await api.get(`/v1/imports/${importId}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('importing contacts from CSV', () => {
  it('imports the good rows, reports the broken ones by line, and creates no duplicate on re-import', async () => {
    const file = [
      'First Name,Last Name,E-mail Address,Mobile Phone,Mailing City,Country,Tags',
      'Ada,Lovelace,ada@import.example,06 12 34 56 78,Paris,France,math;poetry',
      'Alan,Turing,not-an-email,,,GB,',
      'Grace,Hopper,grace@import.example,+1 415 555 2671,Arlington,US,navy',
      'Broken,Row,broken@import.example,12,,,',
      '',
      'Edsger,Dijkstra,edsger@import.example,,,NL,',
    ].join('\n');
    const started = await importCsv('/v1/imports', file);
    expect(started.columns).toContainEqual({ header: 'E-mail Address', field: 'email' });
    const done = await finished(started.id);
    expect(done).toMatchObject({ status: 'completed', totalRows: 5, created: 3, failed: 2 });
    const errors = await api.get(`/v1/imports/${started.id}/errors`);
    expect(errors.body.items).toEqual([
      { line: 3, errors: [{ field: 'E-mail Address', message: expect.any(String) }] },
      { line: 5, errors: [{ field: 'Mobile Phone', message: expect.any(String) }] },
    ]);
    const ada = await api.get('/v1/contacts?email=ada@import.example');
    // The lookup is one page: a cursor of another list is refused, not taken for something else.
    const listed = await api.get('/v1/contacts?limit=1');
    const withCursor = await api.get(
      `/v1/contacts?email=ada@import.example&cursor=${encodeURIComponent(listed.body.nextCursor)}`,
    );
    expect(withCursor.status).toBe(400);
    expect(withCursor.body.errors[0].path).toBe('query.cursor');
    expect(ada.body.items[0]).toMatchObject({
      firstName: 'Ada',
      phones: [{ number: '+33612345678', type: 'mobile' }],
      tags: ['math', 'poetry'],
      addresses: [{ city: 'Paris', country: 'FR' }],
    });
    const history = await api.get(`/v1/contacts/${ada.body.items[0].id}/history`);
    expect(history.body.items[0].actor).toEqual({ type: 'import', importId: started.id });

    const again = await finished((await importCsv('/v1/imports', file)).id);
    expect(again).toMatchObject({ created: 0, unchanged: 3, failed: 2 });
    const adas = await api.get('/v1/contacts?namePrefix=lovelace');
    expect(adas.body.items).toHaveLength(1);
  });

  it('takes a file in parts of at most 1 MiB each, and a dry run changes nothing', async () => {
    const rows = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `Person,Number${from + i},p${from + i}@bulk.example`).join(
        '\n',
      );
    const header = 'firstname,lastname,email';
    const dry = await importCsv('/v1/imports?dryRun=true', `${header}\n${rows(0, 10)}\n`);
    expect(await finished(dry.id)).toMatchObject({ status: 'completed', dryRun: true, created: 10 });
    expect((await api.get('/v1/contacts?email=p1@bulk.example')).body.items).toEqual([]);

    const first = await importCsv('/v1/imports?parts=3', `${header}\n${rows(0, 15)}\n`);
    expect(first).toMatchObject({ status: 'receiving', receivedParts: [1] });
    const second = await api.request(
      'POST',
      `/v1/imports/${first.id}/parts`,
      undefined,
      csv(`${rows(15, 10)}\n`),
    );
    expect(second.body).toMatchObject({ status: 'receiving', receivedParts: [1, 2] });
    const third = await api.request('POST', `/v1/imports/${first.id}/parts`, undefined, csv(rows(25, 5)));
    expect(third.body.status).toBe('queued');
    expect(await finished(first.id)).toMatchObject({
      status: 'completed',
      totalRows: 30,
      processedRows: 30,
      created: 30,
      failed: 0,
    });
    const last = await api.get('/v1/contacts?email=p29@bulk.example');
    expect(last.body.items[0].lastName).toBe('Number29');
    const fourth = await api.request('POST', `/v1/imports/${first.id}/parts`, undefined, csv(rows(2000, 1)));
    expect(fourth.status).toBe(409);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = `email\n${'x'.repeat(1024 * 1024)}`;
    const response = await api.request('POST', '/v1/imports', undefined, csv(big));
    expect(response.status).toBe(413);
  });
});

describe('contacts', () => {
  it('refuse invalid input with the field path, and a second email naming the existing contact', async () => {
    const bad = await api.post('/v1/contacts', {
      firstName: 'Bad',
      lastName: 'Input',
      email: 'nope',
      phones: [{ number: '+33 1' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('body.email');
    const phone = await api.post('/v1/contacts', {
      firstName: 'Bad',
      lastName: 'Phone',
      phones: [{ number: '+33 1' }],
    });
    expect(phone.status).toBe(400);
    expect(phone.body.errors).toEqual([{ path: 'body.phones.0.number', message: expect.any(String) }]);
    const unknownField = await api.post('/v1/contacts', {
      firstName: 'Bad',
      lastName: 'Field',
      customFields: { shoe_size: 42 },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].path).toBe('body.customFields.shoe_size');

    const first = await api.post('/v1/contacts', {
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'Grace@Navy.example',
    });
    expect(first.status).toBe(201);
    const second = await api.post('/v1/contacts', {
      firstName: 'G',
      lastName: 'H',
      email: 'grace@navy.EXAMPLE',
    });
    expect(second.status).toBe(409);
    expect(second.body.existingContactId).toBe(first.body.id);
  });

  it('are found by email, phone, name prefix, tag, stage, owner, region and company', async () => {
    const sales = await memberWithKey(api, 'sales');
    const company = await api.post('/v1/companies', { name: 'Find Me Ltd', domain: 'findme.example' });
    await api.post('/v1/contact-fields', { key: 'shoe_size', label: 'Shoe size', type: 'number' });
    const created = await api.post('/v1/contacts', {
      firstName: 'Katherine',
      lastName: 'Johnson',
      email: 'katherine@findme.example',
      emails: ['kj@home.example'],
      phones: [{ number: '01 23 45 67 89', type: 'work' }],
      addresses: [{ lines: ['1 Rue Haute'], city: 'Rennes', region: 'Bretagne', country: 'FR' }],
      companyId: company.body.id,
      ownerId: sales.memberId,
      lifecycleStage: 'customer',
      tags: ['Findable'],
      customFields: { shoe_size: 38 },
      bestTimeToCall: { days: ['mon', 'tue'], from: '09:00', to: '11:30', timeZone: 'Europe/Paris' },
      marketingConsent: { status: 'granted', source: 'web form' },
      demographics: { birthYear: 1918, gender: 'female' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.phones).toEqual([{ number: '+33123456789', type: 'work' }]);
    const id = created.body.id;
    // Searches by tag, phone, further email and country read index items derived from the
    // committed contact: they see it within the stream's lag.
    await runtime.settle();
    const found = async (query: string) =>
      (await api.get(`/v1/contacts?${query}`)).body.items.map((c: { id: string }) => c.id);
    expect(await found('email=KJ@home.example')).toEqual([id]);
    expect(await found('email=katherine@findme.example')).toEqual([id]);
    expect(await found(`phone=${encodeURIComponent('+33 1 23 45 67 89')}`)).toEqual([id]);
    expect(await found('namePrefix=johns')).toEqual([id]);
    expect(await found('tag=findable')).toEqual([id]);
    expect(await found('lifecycleStage=customer')).toContain(id);
    expect(await found(`ownerId=${sales.memberId}&lifecycleStage=customer`)).toEqual([id]);
    expect(await found(`ownerId=${sales.memberId}&lifecycleStage=lead`)).toEqual([]);
    expect(await found('country=FR&region=Bretagne')).toEqual([id]);
    expect(await found(`companyId=${company.body.id}`)).toEqual([id]);
    const ofCompany = await api.get(`/v1/companies/${company.body.id}/contacts`);
    expect(ofCompany.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const twoFilters = await api.get('/v1/contacts?tag=findable&country=FR');
    expect(twoFilters.status).toBe(400);

    // Changes move the contact between indexes and are recorded field by field.
    const changed = await api.patch(
      `/v1/contacts/${id}`,
      { tags: ['moved'], lifecycleStage: 'former', customFields: { shoe_size: 39 } },
      { headers: { 'if-match': created.headers.get('etag')! } },
    );
    expect(changed.status, changed.text).toBe(200);
    await runtime.settle();
    expect(await found('tag=findable')).toEqual([]);
    expect(await found('tag=moved')).toEqual([id]);
    const history = await api.get(`/v1/contacts/${id}/history`);
    expect(history.body.items[0]).toMatchObject({
      action: 'updated',
      actor: { type: 'member', memberId: tenant.adminId },
      changes: {
        tags: { from: ['findable'], to: ['moved'] },
        lifecycleStage: { from: 'customer', to: 'former' },
        customFields: { from: { shoe_size: 38 }, to: { shoe_size: 39 } },
      },
    });
    expect(history.body.items[1].action).toBe('created');
  });
});

describe('activities and the calendar', () => {
  it('log calls, meetings and notes on the timeline and show the schedule, also as an iCalendar feed', async () => {
    const sales = await memberWithKey(api, 'sales');
    const contact = await api.post('/v1/contacts', { firstName: 'Margaret', lastName: 'Hamilton' });
    const company = await api.post('/v1/companies', { name: 'Apollo' });
    const contactId = contact.body.id;
    const soon = (days: number, hour = 10) => new Date(Date.UTC(2030, 0, 1 + days, hour)).toISOString();
    const support = await memberWithKey(api, 'support');
    const meeting = await sales.api.post('/v1/activities', {
      type: 'meeting',
      contactIds: [contactId],
      companyId: company.body.id,
      meeting: {
        title: 'Guidance review',
        start: soon(1),
        end: soon(1, 11),
        location: 'Houston',
        attendeeMemberIds: [support.memberId],
      },
    });
    expect(meeting.status, meeting.text).toBe(201);
    const call = await sales.api.post('/v1/activities', {
      type: 'call',
      contactIds: [contactId],
      call: { direction: 'outbound', at: soon(2), purpose: 'Follow-up', outcome: 'scheduled' },
    });
    expect(call.status, call.text).toBe(201);
    await sales.api.post('/v1/activities', {
      type: 'note',
      contactIds: [contactId],
      note: { body: 'Prefers email.', at: soon(0) },
    });
    const task = await api.post('/v1/tasks', {
      title: 'Send the proposal',
      assigneeId: sales.memberId,
      dueAt: soon(3),
      links: [{ type: 'contact', id: contactId }],
    });
    expect(task.status, task.text).toBe(201);
    const badMeeting = await sales.api.post('/v1/activities', {
      type: 'meeting',
      contactIds: [contactId],
      meeting: { title: 'Backwards', start: soon(1, 12), end: soon(1, 11) },
    });
    expect(badMeeting.status).toBe(400);

    const timeline = await api.get(`/v1/contacts/${contactId}/timeline`);
    expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toEqual(['call', 'meeting', 'note']);
    const companyActivities = await api.get(`/v1/companies/${company.body.id}/activities`);
    expect(companyActivities.body.items.map((a: { id: string }) => a.id)).toEqual([meeting.body.id]);

    const window = `from=${soon(0, 0)}&to=${soon(7, 0)}`;
    const mine = await api.get(`/v1/calendar?${window}&owner=${sales.memberId}`);
    expect(mine.body.items.map((i: { kind: string; title: string }) => `${i.kind}:${i.title}`)).toEqual([
      'meeting:Guidance review',
      'call:Outbound call: Follow-up',
      'task:Send the proposal',
    ]);
    const everyone = await api.get(`/v1/calendar?${window}`);
    expect(everyone.body.items).toHaveLength(3);
    const attending = await api.get(`/v1/calendar?${window}&owner=${support.memberId}`);
    expect(attending.body.items.map((i: { title: string }) => i.title)).toEqual(['Guidance review']);

    // The meeting moves an hour later with the same attendee: it moves on their calendar too.
    const moved = await sales.api.patch(`/v1/activities/${meeting.body.id}`, {
      meeting: {
        title: 'Guidance review',
        start: soon(1, 11),
        end: soon(1, 12),
        location: 'Houston',
        attendeeMemberIds: [support.memberId],
      },
    });
    expect(moved.status, moved.text).toBe(200);
    const attendingMoved = await api.get(`/v1/calendar?${window}&owner=${support.memberId}`);
    expect(
      attendingMoved.body.items.map((i: { title: string; start: string }) => [i.title, i.start]),
    ).toEqual([['Guidance review', soon(1, 11)]]);

    // The call happened: it leaves the calendar but stays on the timeline.
    const done = await sales.api.patch(`/v1/activities/${call.body.id}`, {
      call: {
        direction: 'outbound',
        at: soon(2),
        purpose: 'Follow-up',
        outcome: 'connected',
        durationSeconds: 300,
      },
    });
    expect(done.status, done.text).toBe(200);
    expect((await api.get(`/v1/calendar?${window}&owner=${sales.memberId}`)).body.items).toHaveLength(2);

    // The feed shows a window around today (calendar apps poll it): a meeting tomorrow is in it.
    const tomorrow = new Date(Date.now() + 86_400_000);
    tomorrow.setUTCMinutes(0, 0, 0);
    await sales.api.post('/v1/activities', {
      type: 'meeting',
      contactIds: [contactId],
      meeting: {
        title: 'Launch, review; sync',
        start: tomorrow.toISOString(),
        end: new Date(tomorrow.getTime() + 3_600_000).toISOString(),
        location: 'Room 1',
      },
    });
    const feed = await sales.api.post('/v1/calendar/feed');
    expect(feed.status).toBe(201);
    const ics = await fetch(feed.body.url);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toContain('text/calendar');
    const parsed = new ICAL.Component(ICAL.parse(await ics.text()));
    expect(parsed.getFirstPropertyValue('version')).toBe('2.0');
    const events = parsed.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toBe('Launch, review; sync');
    expect(events[0]!.location).toBe('Room 1');
    expect(events[0]!.startDate.toJSDate().toISOString()).toBe(tomorrow.toISOString());

    const revoked = await sales.api.delete('/v1/calendar/feed');
    expect(revoked.status).toBe(204);
    expect((await fetch(feed.body.url)).status).toBe(404);
    expect((await sales.api.get('/v1/calendar/feed')).body).toEqual({ active: false });
  });
});

describe('meeting times given with offsets', () => {
  it('are compared and listed as the instants they are', async () => {
    const contact = await api.post('/v1/contacts', { firstName: 'Mary', lastName: 'Jackson' });
    const meet = (start: string, end: string) =>
      api.post('/v1/activities', {
        type: 'meeting',
        contactIds: [contact.body.id],
        meeting: { title: `Offsets ${start}`, start, end },
      });
    // 09:00 to 09:30 UTC, the start written in Paris time: valid, whatever the text says.
    const valid = await meet('2031-03-10T10:00:00+01:00', '2031-03-10T09:30:00Z');
    expect(valid.status, valid.text).toBe(201);
    expect(valid.body.meeting).toMatchObject({
      start: '2031-03-10T09:00:00.000Z',
      end: '2031-03-10T09:30:00.000Z',
    });
    // Ends at 08:30 UTC, before it starts at 09:00 UTC.
    const backwards = await meet('2031-03-11T09:00:00Z', '2031-03-11T09:30:00+01:00');
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].path).toBe('body.meeting.end');
    // Runs 09:00 to 11:30 UTC: on the calendar of a window that opens at 10:00 UTC.
    const long = await meet('2031-03-12T09:00:00Z', '2031-03-12T09:30:00-02:00');
    expect(long.status, long.text).toBe(201);
    const window = await api.get('/v1/calendar?from=2031-03-12T10:00:00Z&to=2031-03-12T12:00:00Z');
    expect(window.body.items.map((i: { id: string; end: string }) => [i.id, i.end])).toEqual([
      [long.body.id, '2031-03-12T11:30:00.000Z'],
    ]);
  });
});

describe('self-service', () => {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  it('lets the contact correct their data and consent, recorded as made by the contact', async () => {
    const contact = await api.post('/v1/contacts', {
      firstName: 'Hedy',
      lastName: 'Lamar',
      email: 'hedy@self.example',
      phones: [{ number: '+33612345678' }],
    });
    const link = await api.post(`/v1/contacts/${contact.body.id}/self-service-link`);
    expect(link.status).toBe(201);
    expect(Date.parse(link.body.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const page = await fetch(link.body.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('value="Lamar"');
    expect(html).not.toContain('<script');

    const fields = {
      firstName: 'Hedy',
      lastName: 'Lamarr',
      email: 'hedy@self.example',
      phone: '06 98 76 54 32',
      line1: '',
      city: 'Vienna',
      country: 'AT',
      consent: 'granted',
    };
    const invalid = await fetch(link.body.url, form({ ...fields, email: 'not-an-email' }));
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('text/html');
    expect(await invalid.text()).toContain('Enter an email address such as name@example.com.');

    const saved = await fetch(link.body.url, form(fields));
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Thank you');
    const after = await api.get(`/v1/contacts/${contact.body.id}`);
    expect(after.body).toMatchObject({
      lastName: 'Lamarr',
      phones: [{ number: '+436987654320'.length ? expect.stringMatching(/^\+43/) : '' }],
      addresses: [{ city: 'Vienna', country: 'AT' }],
      marketingConsent: { status: 'granted', source: 'self-service' },
    });
    await runtime.settle();
    const history = await api.get(`/v1/contacts/${contact.body.id}/history`);
    expect(history.body.items[0].actor).toEqual({ type: 'contact', contactId: contact.body.id });
    expect(history.body.items[0].changes.lastName).toEqual({ from: 'Lamar', to: 'Lamarr' });
    const timeline = await api.get(`/v1/contacts/${contact.body.id}/timeline`);
    expect(timeline.body.items[0].kind).toBe('self_service');
  });

  it('keeps the original proof of consent when the contact submits the same answer', async () => {
    const contact = await api.post('/v1/contacts', {
      firstName: 'Ida',
      lastName: 'Proof',
      email: 'ida@self.example',
      marketingConsent: { status: 'granted', source: 'trade-show' },
    });
    const original = contact.body.marketingConsent;
    expect(original.source).toBe('trade-show');
    const link = await api.post(`/v1/contacts/${contact.body.id}/self-service-link`);
    const fields = { firstName: 'Ida', lastName: 'Proof', email: 'ida@self.example', consent: 'granted' };
    expect((await fetch(link.body.url, form(fields))).status).toBe(200);
    expect((await api.get(`/v1/contacts/${contact.body.id}`)).body.marketingConsent).toEqual(original);

    // Withdrawing it is a change: the new consent is the contact's, and history keeps both.
    expect((await fetch(link.body.url, form({ ...fields, consent: 'denied' }))).status).toBe(200);
    const after = (await api.get(`/v1/contacts/${contact.body.id}`)).body.marketingConsent;
    expect(after).toMatchObject({ status: 'denied', source: 'self-service' });
    await runtime.settle();
    const history = (await api.get(`/v1/contacts/${contact.body.id}/history`)).body.items;
    const consentChanges = history.filter(
      (h: { action: string; changes?: Record<string, unknown> }) =>
        h.action === 'updated' && h.changes?.marketingConsent,
    );
    expect(consentChanges).toHaveLength(1);
    expect(consentChanges[0].changes.marketingConsent).toEqual({ from: original, to: after });
  });

  it('shows a friendly page for a tampered link', async () => {
    const contact = await api.post('/v1/contacts', { firstName: 'Tam', lastName: 'Pered' });
    const link = await api.post(`/v1/contacts/${contact.body.id}/self-service-link`);
    const tampered = `${link.body.url.slice(0, -3)}abc`;
    const page = await fetch(tampered);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('This link does not work');
    expect(html).not.toMatch(/Error:|\n\s+at /);
  });
});

describe('exports, merges and erasure', () => {
  it('exports contacts as CSV that imports back, and as NDJSON', async () => {
    const sales = await memberWithKey(api, 'marketing');
    const csvPage = await sales.api.get('/v1/contacts/export?format=csv');
    expect(csvPage.status).toBe(200);
    expect(csvPage.headers.get('content-type')).toContain('text/csv');
    const [header, ...lines] = csvPage.text.trim().split('\n');
    expect(header).toContain('First Name,Last Name,Email');
    expect(lines.length).toBeGreaterThan(0);
    const reimport = await sales.api.request('POST', '/v1/imports?dryRun=true', undefined, csv(csvPage.text));
    expect(reimport.status, reimport.text).toBe(202);
    // Contacts with an email come back as themselves; those without one cannot be matched.
    const outcome = await finished(reimport.body.id);
    const withoutEmail = lines.filter((line) => line.split(',')[3] === '').length;
    expect(outcome).toMatchObject({ created: 0, updated: 0, failed: withoutEmail });
    const ndjson = await fetch(`${runtime.urls.api}/v1/contacts/export?format=ndjson`, {
      headers: { authorization: `Bearer ${sales.api.key}` },
    });
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson');
    const records = (await ndjson.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records).toHaveLength(lines.length);
    expect(records[0]).toHaveProperty('lastName');
  });

  it('merge a duplicate, keeping its history, timeline and activities', async () => {
    const keep = await api.post('/v1/contacts', {
      firstName: 'Barbara',
      lastName: 'Liskov',
      email: 'barbara@merge.example',
      tags: ['keep'],
    });
    const duplicate = await api.post('/v1/contacts', {
      firstName: 'Barbara',
      lastName: 'Liskov',
      email: 'b.liskov@merge.example',
      tags: ['dup'],
      phones: [{ number: '+14155552671' }],
    });
    const note = await api.post('/v1/activities', {
      type: 'note',
      contactIds: [duplicate.body.id],
      note: { body: 'Met at the conference.' },
    });
    // The duplicate's history is written within the stream's lag of its changes; a merge moves
    // what is there when it runs.
    await runtime.settle();
    const merge = await api.post(`/v1/contacts/${keep.body.id}/merge`, { duplicateId: duplicate.body.id });
    expect(merge.status, merge.text).toBe(202);
    const again = await api.post(`/v1/contacts/${keep.body.id}/merge`, { duplicateId: duplicate.body.id });
    expect([404, 409, 400]).toContain(again.status);
    await runtime.settle();

    expect((await api.get(`/v1/contacts/${duplicate.body.id}`)).status).toBe(404);
    const merged = await api.get(`/v1/contacts/${keep.body.id}`);
    expect(merged.body).toMatchObject({
      email: 'barbara@merge.example',
      emails: ['b.liskov@merge.example'],
      tags: ['dup', 'keep'],
      phones: [{ number: '+14155552671' }],
    });
    const timeline = await api.get(`/v1/contacts/${keep.body.id}/timeline`);
    expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toEqual(['change', 'note']);
    const activity = await api.get(`/v1/activities/${note.body.id}`);
    expect(activity.body.contactIds).toEqual([keep.body.id]);
    const history = await api.get(`/v1/contacts/${keep.body.id}/history`);
    expect(history.body.items.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(['merged', 'created']),
    );
    expect(history.body.items.filter((h: { action: string }) => h.action === 'created')).toHaveLength(2);
    const byOldEmail = await api.get('/v1/contacts?email=b.liskov@merge.example');
    expect(byOldEmail.body.items.map((c: { id: string }) => c.id)).toEqual([keep.body.id]);
  });

  it('export everything held about a contact, then erase them', async () => {
    const support = await memberWithKey(api, 'support');
    const contact = await api.post('/v1/contacts', {
      firstName: 'Erase',
      lastName: 'Me',
      email: 'erase@privacy.example',
      tags: ['forget-me'],
    });
    const note = await api.post('/v1/activities', {
      type: 'note',
      contactIds: [contact.body.id],
      note: { body: 'Asked to be forgotten.' },
    });
    await runtime.settle();
    const exported = await support.api.get(`/v1/contacts/${contact.body.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      contact: { email: 'erase@privacy.example' },
      history: [{ action: 'created' }],
      timeline: [{ kind: 'note' }],
      activities: [{ id: note.body.id }],
    });

    expect((await support.api.delete(`/v1/contacts/${contact.body.id}`)).status).toBe(403);
    const erased = await api.delete(`/v1/contacts/${contact.body.id}`);
    expect(erased.status).toBe(204);
    await runtime.settle();
    expect((await api.get(`/v1/contacts/${contact.body.id}`)).status).toBe(404);
    expect((await api.get('/v1/contacts?tag=forget-me')).body.items).toEqual([]);
    expect((await api.get('/v1/contacts?email=erase@privacy.example')).body.items).toEqual([]);
    expect((await api.get(`/v1/activities/${note.body.id}`)).status).toBe(404);
    // The email is free again.
    expect(
      (
        await api.post('/v1/contacts', {
          firstName: 'New',
          lastName: 'Person',
          email: 'erase@privacy.example',
        })
      ).status,
    ).toBe(201);
  });
});

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
  tenant = await signUpOverHttp(runtime.urls.api);
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

    const first = await importCsv('/v1/imports?parts=3', `${header}\n${rows(0, 30)}\n`);
    expect(first).toMatchObject({ status: 'receiving', receivedParts: [1] });
    const second = await api.request(
      'POST',
      `/v1/imports/${first.id}/parts`,
      undefined,
      csv(`${rows(30, 20)}\n`),
    );
    expect(second.body).toMatchObject({ status: 'receiving', receivedParts: [1, 2] });
    const third = await api.request('POST', `/v1/imports/${first.id}/parts`, undefined, csv(rows(50, 5)));
    expect(third.body.status).toBe('queued');
    expect(await finished(first.id)).toMatchObject({
      status: 'completed',
      totalRows: 55,
      processedRows: 55,
      created: 55,
      failed: 0,
    });
    const last = await api.get('/v1/contacts?email=p54@bulk.example');
    expect(last.body.items[0].lastName).toBe('Number54');
    const fourth = await api.request('POST', `/v1/imports/${first.id}/parts`, undefined, csv(rows(2000, 1)));
    expect(fourth.status).toBe(409);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = `email\n${'x'.repeat(1024 * 1024)}`;
    const response = await api.request('POST', '/v1/imports', undefined, csv(big));
    expect(response.status).toBe(413);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('batch writes', () => {
  it('applies the valid half of a batch and answers each record by index', async () => {
    const existing = (
      await tenant.api.post('/v1/contacts', { firstName: 'Ann', lastName: 'Old', email: 'ann@batch.example' })
    ).body;
    const response = await tenant.api.post('/v1/contacts/batch', {
      records: [
        { action: 'create', data: { firstName: 'Bo', lastName: 'New', email: 'bo@batch.example' } },
        { action: 'create', data: { firstName: 'Cy', lastName: 'Bad', email: 'not-an-email' } },
        { action: 'upsert', data: { firstName: 'Ann', lastName: 'Renamed', email: 'ANN@batch.example' } },
        { action: 'upsert', data: { firstName: 'Di', lastName: 'Fresh', email: 'di@batch.example' } },
        { action: 'update', id: existing.id, data: { tags: ['vip'] } },
        {
          action: 'create',
          data: { firstName: 'Ed', lastName: 'Ref', companyId: '01JD5Z8Q4K7M2N3P6R9S0T1V2W' },
        },
        { action: 'delete', data: {} },
      ],
    });
    expect(response.status).toBe(200);
    const results = response.body.results;
    expect(results.map((r: { index: number; status: number }) => [r.index, r.status])).toEqual([
      [0, 201],
      [1, 400],
      [2, 200],
      [3, 201],
      [4, 200],
      [5, 422],
      [6, 400],
    ]);
    expect(results[1].problem.errors).toEqual([
      { path: 'body.records.1.data.email', message: expect.any(String) },
    ]);
    expect(results[5].problem.errors[0].path).toBe('body.records.5.data.companyId');
    expect(results[6].problem.errors[0].path).toBe('body.records.6.action');
    expect(results[2].id).toBe(existing.id);

    const ann = (await tenant.api.get(`/v1/contacts/${existing.id}`)).body;
    expect([ann.lastName, ann.tags]).toEqual(['Renamed', ['vip']]);
    expect((await tenant.api.get(`/v1/contacts/${results[0].id}`)).body.email).toBe('bo@batch.example');
    // Nothing of the invalid records was written.
    expect((await tenant.api.get('/v1/contacts?email=not-an-email')).body.items ?? []).toEqual([]);
    expect((await tenant.api.get('/v1/contacts?namePrefix=Ref')).body.items).toEqual([]);
  });

  it('replays a batch sent again with its Idempotency-Key without writing twice', async () => {
    const body = { records: [{ action: 'create', data: { name: 'Umbrella', domain: 'umbrella.example' } }] };
    const headers = { 'idempotency-key': 'batch-companies-0001' };
    const first = await tenant.api.post('/v1/companies/batch', body, { headers });
    const again = await tenant.api.post('/v1/companies/batch', body, { headers });
    expect(first.body.results[0].status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const listed = await tenant.api.get('/v1/companies?namePrefix=Umbrella');
    expect(listed.body.items).toHaveLength(1);
  });

  it('replays a batch whose answer is larger than a stored item can hold, without writing twice', async () => {
    const address = (i: number) => ({
      type: 'work',
      // Four lines of 190 characters: 100 contacts of five such addresses answer about 450 KB.
      lines: [1, 2, 3, 4].map((n) => `${i}.${n} ${'Long Industrial Estate Road, Building '.repeat(5)}`),
      city: 'Manchester',
      postalCode: 'M1 1AA',
      country: 'GB',
    });
    const records = Array.from({ length: 100 }, (_, i) => ({
      action: 'create',
      data: {
        firstName: 'Wide',
        lastName: `Batch${String(i).padStart(3, '0')}`,
        addresses: [1, 2, 3, 4, 5].map(address),
      },
    }));
    const headers = { 'idempotency-key': 'batch-contacts-wide-0001' };
    const first = await tenant.api.post('/v1/contacts/batch', { records }, { headers });
    expect(first.status, first.text.slice(0, 300)).toBe(200);
    expect(first.text.length).toBeGreaterThan(400_000);
    const again = await tenant.api.post('/v1/contacts/batch', { records }, { headers });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await tenant.api.get(
        `/v1/contacts?namePrefix=Batch&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      count += page.body.items.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(count).toBe(100);
  });

  it('upserts products by SKU', async () => {
    const record = {
      action: 'upsert',
      data: { sku: 'DESK-1', name: 'Desk', prices: [{ currency: 'EUR', unitAmount: 19900 }] },
    };
    const first = await tenant.api.post('/v1/products/batch', { records: [record] });
    const second = await tenant.api.post('/v1/products/batch', {
      records: [{ action: 'upsert', data: { sku: 'DESK-1', name: 'Standing desk' } }],
    });
    expect(first.body.results[0].status).toBe(201);
    expect(second.body.results[0]).toMatchObject({ status: 200, id: first.body.results[0].id });
    expect((await tenant.api.get(`/v1/products/${first.body.results[0].id}`)).body.name).toBe(
      'Standing desk',
    );
  });

  it('takes a whole product sent again by a sync, and refuses what an upsert cannot do', async () => {
    const data = {
      sku: 'SYNC-1',
      name: 'Synced lamp',
      prices: [{ currency: 'EUR', unitAmount: 4_900 }],
      trackStock: false,
    };
    const first = await tenant.api.post('/v1/products/batch', { records: [{ action: 'upsert', data }] });
    expect(first.body.results[0]).toMatchObject({ status: 201 });
    const again = await tenant.api.post('/v1/products/batch', { records: [{ action: 'upsert', data }] });
    expect(again.body.results[0]).toMatchObject({ status: 200, id: first.body.results[0].id });
    const flipped = await tenant.api.post('/v1/products/batch', {
      records: [{ action: 'upsert', data: { ...data, trackStock: true } }],
    });
    expect(flipped.body.results[0].status).toBe(400);
    expect(flipped.body.results[0].problem.errors[0].path).toBe('body.records.0.data.trackStock');

    // An id on an upsert or a create would not choose the record: refused, not ignored.
    const other = await tenant.api.post('/v1/contacts', { firstName: 'Id', lastName: 'Holder' });
    const named = await tenant.api.post('/v1/contacts/batch', {
      records: [
        {
          action: 'upsert',
          id: other.body.id,
          data: { email: 'someone.else@batch.example', firstName: 'X', lastName: 'Y' },
        },
        { action: 'create', id: other.body.id, data: { firstName: 'X', lastName: 'Y' } },
      ],
    });
    expect(
      named.body.results.map((r: { status: number; problem?: { errors: Array<{ path: string }> } }) => [
        r.status,
        r.problem?.errors[0]?.path,
      ]),
    ).toEqual([
      [400, 'body.records.0.id'],
      [400, 'body.records.1.id'],
    ]);
    expect((await tenant.api.get(`/v1/contacts/${other.body.id}`)).body.firstName).toBe('Id');
  });

  it('answers a malformed record on its own and writes the others', async () => {
    const response = await tenant.api.post('/v1/contacts/batch', {
      records: [{ action: 'create', data: { firstName: 'Well', lastName: 'Formed' } }, 5],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.results.map((r: { status: number }) => r.status)).toEqual([201, 400]);
    expect(response.body.results[1].problem.errors[0].path).toMatch(/^body\.records\.1/);
  });

  it('refuses more than 100 records at once', async () => {
    const records = Array.from({ length: 101 }, (_, i) => ({
      action: 'create',
      data: { firstName: 'N', lastName: `N${i}` },
    }));
    const refused = await tenant.api.post('/v1/contacts/batch', { records });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('body.records');
    expect((await tenant.api.get('/v1/contacts?namePrefix=N0')).body.items).toEqual([]);
  });
});

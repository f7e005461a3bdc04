import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Input hygiene over HTTP, through the local gateway and the real handlers (issue 18, item 5;
 * issue 19, item 4): what a careless or hostile client sends gets a 4xx problem, never a 500,
 * and nothing is written.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
});

afterAll(async () => {
  await runtime?.stop();
});

const expectProblem = (response: { status: number; headers: Headers; body: any }, status: number) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.body.requestId).toBeTruthy();
  expect(response.headers.get('x-request-id')).toBe(response.body.requestId);
};

describe('the gateway', () => {
  it('answers 400 with a problem document for a path that is not valid percent-encoding', async () => {
    for (const path of [
      '/v1/contacts/%FF',
      '/v1/contacts/%E0%A4%A',
      '/v1/nowhere/%ZZ',
      '/_local/schedules/%C0',
    ]) {
      const response = await tenant.api.get(path);
      expectProblem(response, 400);
      expect(response.body.type).toBe('urn:funnel:problem:bad-request');
    }
  });

  it('answers 400 with a problem document for a URL too long for it, instead of an empty 431', async () => {
    const response = await tenant.api.get(`/v1/contacts?cursor=${'%C3%A9'.repeat(5000)}`);
    expectProblem(response, 400);
    expect(response.body.detail).toBe('The URL and headers are over the 16 KB this gateway accepts.');
  });

  it('passes a query parameter named like an inherited property as it was sent', async () => {
    const response = await tenant.api.get('/v1/contacts?constructor=1');
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([
      { path: 'query.constructor', message: expect.stringMatching(/^Unknown field/) },
    ]);
  });
});

describe('asset lookups', () => {
  it('answers 404 for a documentation file named like an inherited property', async () => {
    for (const name of ['constructor', 'tostring', '__proto__', 'hasownproperty']) {
      const response = await new Api(runtime.urls.api).get(`/docs/${name}`);
      expect([400, 404], `${name}: ${response.text}`).toContain(response.status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    expectProblem(await new Api(runtime.urls.api).get('/docs/constructor'), 404);
  });
});

describe('text fields', () => {
  it('refuses control characters and unpaired surrogates in any text field, naming each, and writes nothing', async () => {
    const before = await tenant.api.get('/v1/contacts');
    const response = await tenant.api.post('/v1/contacts', undefined, {
      headers: { 'content-type': 'application/json' },
      // Written by hand: JSON.stringify would escape the lone surrogate as well-formed text.
      raw: '{"firstName":"Ada\\u0000","lastName":"Love\\rlace","tags":["ok","\\ud800"],"customFields":{"x\\u0007":1}}',
    });
    expectProblem(response, 400);
    const paths = response.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['body.customFields.x\\u0007', 'body.firstName', 'body.lastName', 'body.tags.1']);
    const after = await tenant.api.get('/v1/contacts');
    expect(after.body.items).toEqual(before.body.items);
  });

  it('keeps tabs, line breaks (CRLF included), accents and emoji', async () => {
    const response = await tenant.api.post('/v1/tasks', {
      title: 'Call Zoë Ångström 👩🏽‍💻',
      description: 'first line\r\nsecond\tline\nthird',
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.title).toBe('Call Zoë Ångström 👩🏽‍💻');
    expect(response.body.description).toBe('first line\r\nsecond\tline\nthird');
  });

  it('refuses a control character in a path parameter and in a query value', async () => {
    const path = await tenant.api.get('/v1/contacts/%00');
    expectProblem(path, 400);
    expect(path.body.errors[0].path).toBe('path.id');
    const query = await tenant.api.get('/v1/contacts?cursor=%1B');
    expectProblem(query, 400);
    expect(query.body.errors[0].path).toBe('query.cursor');
  });
});

describe('strict input', () => {
  it('refuses a misspelt field with 400 naming it, instead of creating a contact without an email', async () => {
    const response = await tenant.api.post('/v1/contacts', {
      firstName: 'Grace',
      lastName: 'Hopper',
      emial: 'grace@navy.example',
    });
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ path: 'body.emial', message: expect.stringContaining('email') }]);
  });

  it('refuses a body sent to an operation that takes none, but accepts an empty object', async () => {
    const key = await tenant.api.post('/v1/api-keys', { name: 'to revoke' });
    const withBody = await tenant.api.request('DELETE', `/v1/api-keys/${key.body.id}`, { reason: 'old' });
    expectProblem(withBody, 400);
    expect(withBody.body.errors[0].path).toBe('body.reason');
    const empty = await tenant.api.request('DELETE', `/v1/api-keys/${key.body.id}`, {});
    expect(empty.status, empty.text).toBe(200);
  });
});

describe('values the database cannot hold', () => {
  const paths = (response: { body: any }) => response.body.errors.map((e: { path: string }) => e.path);

  it('refuses a number the SDK cannot store exactly, wherever a client may send one, and writes nothing', async () => {
    const field = await tenant.api.post('/v1/contact-fields', {
      key: 'account_no',
      label: 'Account number',
      type: 'number',
    });
    expect(field.status, field.text).toBe(201);
    for (const value of [2 ** 60, 1e200, 1e-200]) {
      const contact = await tenant.api.post('/v1/contacts', {
        firstName: 'Big',
        lastName: `Number ${value}`,
        customFields: { account_no: value },
      });
      expectProblem(contact, 400);
      expect(paths(contact)).toEqual(['body.customFields.account_no']);
    }
    const listed = await tenant.api.get('/v1/contacts?limit=100');
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.filter((c: { firstName: string }) => c.firstName === 'Big')).toEqual([]);
    const stored = await tenant.api.post('/v1/contacts', {
      firstName: 'Safe',
      lastName: 'Number',
      customFields: { account_no: 9_007_199_254_740_991 },
    });
    expect(stored.status, stored.text).toBe(201);

    const segment = await tenant.api.post('/v1/segments', {
      name: 'Big accounts',
      conditions: [{ type: 'field', field: 'custom.account_no', op: 'gt', value: 1e16 }],
    });
    expectProblem(segment, 400);
    expect(paths(segment)).toEqual(['body.conditions.0.value']);
    const webhook = await tenant.api.post('/v1/webhooks', {
      url: 'https://hooks.example.com/funnel',
      events: [{ type: 'InvoicePaid', conditions: [{ field: 'total', op: 'gte', value: 1e16 }] }],
    });
    expectProblem(webhook, 400);
    expect(paths(webhook)).toEqual(['body.events.0.conditions.0.value']);
  });

  it('refuses a company domain longer than DNS allows, on a company and on a lead', async () => {
    const domain = `${'a'.repeat(2100)}.com`;
    const company = await tenant.api.post('/v1/companies', { name: 'Long', domain });
    expectProblem(company, 400);
    expect(paths(company)).toEqual(['body.domain']);
    const lead = await tenant.api.post('/v1/leads', {
      source: 'web',
      person: { firstName: 'Lee', lastName: 'Long' },
      company: { name: 'Long', domain },
    });
    expectProblem(lead, 400);
    expect(paths(lead)).toEqual(['body.company.domain']);
  });

  it("refuses custom values that together would outgrow a contact's item", async () => {
    for (let i = 0; i < 20; i++) {
      const field = await tenant.api.post('/v1/contact-fields', {
        key: `note_${i}`,
        label: `Note ${i}`,
        type: 'text',
      });
      expect(field.status, field.text).toBe(201);
    }
    const customFields = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`note_${i}`, '中'.repeat(1000)]),
    );
    const response = await tenant.api.post('/v1/contacts', {
      firstName: 'Wide',
      lastName: 'Contact',
      customFields,
    });
    expectProblem(response, 400);
    expect(paths(response)).toEqual(['body.customFields']);
    const fits = await tenant.api.post('/v1/contacts', {
      firstName: 'Wide',
      lastName: 'Enough',
      customFields: Object.fromEntries(Object.entries(customFields).slice(0, 4)),
    });
    expect(fits.status, fits.text).toBe(201);
    const grown = await tenant.api.patch(`/v1/contacts/${fits.body.id}`, { customFields });
    expectProblem(grown, 400);
    expect(paths(grown)).toEqual(['body.customFields']);
  });
});

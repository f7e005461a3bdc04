import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/** Documents through the local runtime and its S3: presigned upload, checks, presigned download. */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let other: SignedUpTenant;
let contactId: string;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

beforeAll(async () => {
  runtime = await startTestRuntime();
  [tenant, other] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  const contact = await tenant.api.post('/v1/contacts', { firstName: 'Ada', lastName: 'Lovelace' });
  contactId = contact.body.id;
});

afterAll(async () => {
  await runtime?.stop();
});

async function announce(bytes: Buffer, overrides: Record<string, unknown> = {}) {
  return tenant.api.post('/v1/documents', {
    name: 'proposal.pdf',
    contentType: 'application/pdf',
    size: bytes.length,
    sha256: sha256(bytes),
    attachTo: [{ kind: 'contact', id: contactId }],
    ...overrides,
  });
}

const put = (upload: { url: string; headers: Record<string, string> }, body: Buffer) =>
  fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(body) });

describe('a document uploaded through a presigned address', () => {
  it('downloads byte for byte and is listed on its record once completed', async () => {
    const bytes = randomBytes(200_000);
    const created = await announce(bytes);
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/documents/${created.body.id}`);
    expect(created.body.status).toBe('uploading');
    const listedBefore = await tenant.api.get(`/v1/documents?kind=contact&id=${contactId}`);
    expect(listedBefore.body.items).toHaveLength(0);

    const uploaded = await put(created.body.upload, bytes);
    expect(uploaded.status, await uploaded.text()).toBe(200);
    const completed = await tenant.api.post(`/v1/documents/${created.body.id}/complete`, {});
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body).toMatchObject({ status: 'available', size: bytes.length, sha256: sha256(bytes) });

    const listed = await tenant.api.get(`/v1/documents?kind=contact&id=${contactId}`);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([created.body.id]);
    const download = await tenant.api.get(`/v1/documents/${created.body.id}/download`);
    expect(download.status, download.text).toBe(200);
    const file = await fetch(download.body.url);
    expect(file.headers.get('content-disposition')).toContain('proposal.pdf');
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('attaches once to a record named twice', async () => {
    const bytes = randomBytes(1_000);
    const twice = [
      { kind: 'contact', id: contactId },
      { kind: 'contact', id: contactId },
    ];
    const created = await announce(bytes, { name: 'twice.txt', contentType: 'text/plain', attachTo: twice });
    expect(created.status, created.text).toBe(201);
    expect(created.body.attachedTo).toEqual([{ kind: 'contact', id: contactId }]);
    expect((await put(created.body.upload, bytes)).status).toBe(200);
    const completed = await tenant.api.post(`/v1/documents/${created.body.id}/complete`, {});
    expect(completed.status, completed.text).toBe(200);
    const listed = await tenant.api.get(`/v1/documents?kind=contact&id=${contactId}`);
    expect(listed.body.items.filter((d: { id: string }) => d.id === created.body.id)).toHaveLength(1);
  });

  it('refuses a body other than the one announced, at upload and again at completion', async () => {
    const bytes = randomBytes(1000);
    const created = await announce(bytes);
    const tampered = Buffer.concat([bytes.subarray(0, 999), Buffer.from([bytes[999]! ^ 1])]);
    const refused = await put(created.body.upload, tampered);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const completed = await tenant.api.post(`/v1/documents/${created.body.id}/complete`, {});
    expect(completed.status).toBe(409);
    expect((await tenant.api.get(`/v1/documents/${created.body.id}/download`)).status).toBe(409);
  });

  it('refuses a type outside the list, a size over the limit and an unknown record at presign', async () => {
    const bytes = Buffer.from('hello');
    const exe = await announce(bytes, { contentType: 'application/x-msdownload' });
    expect(exe.status).toBe(400);
    expect(exe.body.errors[0].path).toBe('body.contentType');
    const huge = await announce(bytes, { size: 26 * 1024 * 1024 });
    expect(huge.status).toBe(400);
    expect(huge.body.errors[0].path).toBe('body.size');
    const nowhere = await announce(bytes, { attachTo: [{ kind: 'deal', id: '01JAAAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(nowhere.status).toBe(422);
    expect(nowhere.body.errors[0].path).toBe('body.attachTo.0.id');
  });

  it("answers 404 for another tenant's document", async () => {
    const bytes = Buffer.from('private');
    const created = await announce(bytes, { contentType: 'text/plain' });
    expect((await other.api.get(`/v1/documents/${created.body.id}`)).status).toBe(404);
    expect((await other.api.get(`/v1/documents/${created.body.id}/download`)).status).toBe(404);
    expect((await other.api.post(`/v1/documents/${created.body.id}/complete`, {})).status).toBe(404);
  });
});

/** A text file announced for `attachTo` and uploaded, not yet completed: its document id. */
async function uploadText(name: string, attachTo: Array<{ kind: string; id: string }>): Promise<string> {
  const bytes = Buffer.from(name);
  const created = await tenant.api.post('/v1/documents', {
    name,
    contentType: 'text/plain',
    size: bytes.length,
    sha256: sha256(bytes),
    attachTo,
  });
  expect(created.status, created.text).toBe(201);
  expect((await put(created.body.upload, bytes)).status).toBe(200);
  return created.body.id as string;
}

describe("a contact's erasure", () => {
  it('deletes the documents on them alone and detaches those a case keeps', async () => {
    const contact = await tenant.api.post('/v1/contacts', { firstName: 'Erased', lastName: 'Soon' });
    const kase = await tenant.api.post('/v1/cases', {
      subject: 'Signed contract',
      text: 'Attached.',
      contactId: contact.body.id,
    });
    expect(kase.status, kase.text).toBe(201);
    const upload = async (name: string, attachTo: Array<{ kind: string; id: string }>) => {
      const id = await uploadText(name, attachTo);
      expect((await tenant.api.post(`/v1/documents/${id}/complete`, {})).status).toBe(200);
      return id;
    };
    const own = await upload('passport.txt', [{ kind: 'contact', id: contact.body.id }]);
    const shared = await upload('contract.txt', [
      { kind: 'contact', id: contact.body.id },
      { kind: 'case', id: kase.body.id },
    ]);
    const ownUrl = (await tenant.api.get(`/v1/documents/${own}/download`)).body.url;

    expect((await tenant.api.delete(`/v1/contacts/${contact.body.id}`)).status).toBe(204);
    await runtime.settle();

    expect((await tenant.api.get(`/v1/documents/${own}`)).status).toBe(404);
    expect((await fetch(ownUrl)).status).toBe(404);
    const kept = await tenant.api.get(`/v1/documents/${shared}`);
    expect(kept.body.attachedTo).toEqual([{ kind: 'case', id: kase.body.id }]);
    const onCase = await tenant.api.get(`/v1/documents?kind=case&id=${kase.body.id}`);
    expect(onCase.body.items.map((d: { id: string }) => d.id)).toEqual([shared]);
    expect(
      (await tenant.api.get(`/v1/documents?kind=contact&id=${contact.body.id}`)).body.items,
    ).toHaveLength(0);
  });

  it('withdraws an upload completed after the erasure, and keeps the records still there', async () => {
    const contact = await tenant.api.post('/v1/contacts', { firstName: 'Erased', lastName: 'Midway' });
    const company = await tenant.api.post('/v1/companies', { name: 'Midway Ltd' });
    const alone = await uploadText('id-card.txt', [{ kind: 'contact', id: contact.body.id }]);
    const both = await uploadText('offer.txt', [
      { kind: 'contact', id: contact.body.id },
      { kind: 'company', id: company.body.id },
    ]);
    expect((await tenant.api.delete(`/v1/contacts/${contact.body.id}`)).status).toBe(204);
    await runtime.settle();

    const withdrawn = await tenant.api.post(`/v1/documents/${alone}/complete`, {});
    expect(withdrawn.status, withdrawn.text).toBe(422);
    expect((await tenant.api.get(`/v1/documents/${alone}`)).status).toBe(404);
    const kept = await tenant.api.post(`/v1/documents/${both}/complete`, {});
    expect(kept.status, kept.text).toBe(200);
    expect(kept.body.attachedTo).toEqual([{ kind: 'company', id: company.body.id }]);
    expect(
      (await tenant.api.get(`/v1/documents?kind=contact&id=${contact.body.id}`)).body.items,
    ).toHaveLength(0);
  });
});

describe("a contact's merge", () => {
  it('attaches an upload completed after its contact was merged away to the contact it became', async () => {
    const contact = async (firstName: string) =>
      (await tenant.api.post('/v1/contacts', { firstName, lastName: 'Merged' })).body.id as string;
    const [duplicate, kept, finallyKept] = await Promise.all([
      contact('Dup'),
      contact('Kept'),
      contact('Final'),
    ]);
    const pending = await uploadText('signed-offer.txt', [{ kind: 'contact', id: duplicate }]);
    // Two merges in turn: the duplicate into `kept`, then `kept` into `finallyKept`.
    for (const [keep, dup] of [
      [kept, duplicate],
      [finallyKept, kept],
    ]) {
      const merge = await tenant.api.post(`/v1/contacts/${keep}/merge`, { duplicateId: dup });
      expect(merge.status, merge.text).toBe(202);
      await runtime.settle();
    }

    const completed = await tenant.api.post(`/v1/documents/${pending}/complete`, {});
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body.attachedTo).toEqual([{ kind: 'contact', id: finallyKept }]);
    const listed = await tenant.api.get(`/v1/documents?kind=contact&id=${finallyKept}`);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([pending]);
  });
});

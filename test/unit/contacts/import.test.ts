import { describe, expect, it } from 'vitest';
import { countryCode, domainOf, mapColumns } from '../../../shared/contacts/import-columns.ts';
import { chunksOf, parsePart, ROWS_PER_CHUNK } from '../../../shared/contacts/imports.ts';
import { MAX_BODY_BYTES } from '../../../shared/platform/http/request.ts';

/** Splits a CSV at row boundaries into parts of at most `max` bytes, as a client uploading it does. */
function splitIntoParts(lines: string[], max: number): string[] {
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    if (current && size + bytes > max) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += `${line}\n`;
    size += bytes;
  }
  if (current) parts.push(current);
  return parts;
}

describe('column mapping', () => {
  it('reads the headers of common CRM exports', () => {
    const headers = [
      'First Name',
      'first_name',
      'firstname',
      'Surname',
      'E-mail Address',
      'Mobile Phone',
      'Mailing Zip/Postal Code',
      'Account Name',
      'Website',
      'Favourite colour',
    ];
    expect(mapColumns(headers, [])).toEqual([
      'firstName',
      undefined,
      undefined,
      'lastName',
      'email',
      'mobilePhone',
      'postalCode',
      'company',
      'companyDomain',
      undefined,
    ]);
  });

  it('matches custom fields by key or label', () => {
    const definitions = [
      { key: 'shoe_size', label: 'Shoe size', type: 'number' as const, createdAt: '', updatedAt: '' },
      { key: 'vip', label: 'VIP customer', type: 'boolean' as const, createdAt: '', updatedAt: '' },
    ];
    expect(mapColumns(['Shoe Size', 'vip'], definitions)).toEqual(['custom:shoe_size', 'custom:vip']);
  });

  it('reads country names and websites', () => {
    expect(countryCode('France')).toBe('FR');
    expect(countryCode('united kingdom')).toBe('GB');
    expect(countryCode('de')).toBe('DE');
    expect(domainOf('https://www.Acme.com/about')).toBe('acme.com');
  });
});

describe('a 50,000-row import', () => {
  it('travels in parts under the body limit and is stored in bounded chunks', async () => {
    const lines = ['First Name,Last Name,Email,Phone,City,Country,Tags'];
    for (let i = 0; i < 50_000; i++)
      lines.push(
        `Person${i},"Family, ${i}",person${i}@example.com,+33 6 12 34 ${String(i % 100).padStart(2, '0')} 78,Paris,FR,a;b`,
      );
    const parts = splitIntoParts(lines, MAX_BODY_BYTES);
    expect(parts.length).toBeGreaterThan(3);
    let rows = 0;
    let lastLine = 0;
    for (const part of parts) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const parsed = await parsePart(part);
      for (const chunk of chunksOf(parsed)) {
        expect(chunk.length).toBeLessThanOrEqual(ROWS_PER_CHUNK);
        expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThan(350_000);
      }
      rows += parsed.length;
      lastLine = parsed.at(-1)!.line;
    }
    expect(rows).toBe(50_001);
    expect(lastLine).toBeGreaterThan(0);
  });
});

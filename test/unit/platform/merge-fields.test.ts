import { describe, expect, it } from 'vitest';
import { checkTemplate, mergeFieldsOf, renderTemplate } from '../../../shared/platform/merge-fields.ts';

describe('merge fields', () => {
  it('fill values and fall back when a value is missing or empty', () => {
    const template = 'Hello {{firstName | "there"}}, invoice {{invoice.number}} is due.';
    expect(renderTemplate(template, { firstName: 'Ada', invoice: { number: '2026-0042' } }, 'text')).toBe(
      'Hello Ada, invoice 2026-0042 is due.',
    );
    expect(renderTemplate(template, { firstName: '', invoice: { number: '7' } }, 'text')).toBe(
      'Hello there, invoice 7 is due.',
    );
  });

  it('escape values in HTML, never the template itself', () => {
    expect(renderTemplate('<p>{{name}}</p>', { name: '<script>alert(1)</script>' }, 'html')).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('name unknown fields and malformed braces when a template is checked', () => {
    expect(checkTemplate('Hi {{firstName}} {{lastname}}', ['firstName', 'lastName'])).toEqual([
      { field: 'lastname', message: 'Unknown merge field {{lastname}}; available: firstName, lastName.' },
    ]);
    expect(checkTemplate('Hi {{ first name }}', ['firstName'])[0]?.message).toMatch(/is not a merge field/);
    expect(checkTemplate('Hi {{firstName | "you"}}', ['firstName'])).toEqual([]);
  });

  it('list the fields a template uses', () => {
    expect(mergeFieldsOf('{{a}} {{b.c | "x"}} {{a}}')).toEqual(['a', 'b.c']);
  });
});

import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AutomationRuleCreate } from '../../../shared/automation/schema.ts';
import { ContactCreate, ContactUpdate } from '../../../shared/contacts/schema.ts';
import { checkInput, textIssues, textProblem, unknownFieldIssues } from '../../../shared/platform/input.ts';
import { LocalDateTime } from '../../../shared/platform/schema.ts';

const paths = (issues: Array<{ path: string }>) => issues.map((i) => i.path).sort();

describe('text hygiene', () => {
  it('accepts tabs, line feeds, CRLF line breaks, accents, emoji and right-to-left text', () => {
    for (const text of [
      'a\tb',
      'line 1\nline 2',
      'line 1\r\nline 2\r\n',
      'Zoë Ångström',
      '👩🏽‍💻 ok',
      'שלום',
    ])
      expect(textProblem(text), JSON.stringify(text)).toBeUndefined();
  });

  it('refuses NUL, other C0 and C1 controls, DEL and a carriage return alone, saying where', () => {
    expect(textProblem('Ada\u0000')).toBe(
      'Must not contain control characters other than tab and line breaks (U+0000 at position 4).',
    );
    for (const text of ['\u0001', 'a\u001bb', '\u007f', '\u0085', 'over\rwrite', 'end\r'])
      expect(textProblem(text), JSON.stringify(text)).toMatch(/control characters/);
  });

  it('refuses unpaired surrogates, high or low, and keeps paired ones', () => {
    expect(textProblem('a\uD800')).toBe('Must be valid Unicode text (an unpaired surrogate at position 2).');
    expect(textProblem('\uDC00b')).toMatch(/unpaired surrogate at position 1/);
    expect(textProblem('\uD83D\uDE00')).toBeUndefined();
  });

  it('checks strings and field names at any depth, with their paths', () => {
    const issues = textIssues(
      { name: 'ok', tags: ['fine', 'bad\u0000'], nested: { 'key\u0007': 'x', deep: [{ note: '\uD800' }] } },
      'body',
    );
    expect(paths(issues)).toEqual(['body.nested.deep.0.note', 'body.nested.key\\u0007', 'body.tags.1']);
  });

  it('refuses the field name __proto__ anywhere', () => {
    const issues = textIssues(JSON.parse('{"customFields":{"__proto__":{"admin":true}}}'), 'body');
    expect(issues).toEqual([
      { path: 'body.customFields.__proto__', message: 'Invalid field name: This field name is reserved.' },
    ]);
  });
});

describe('strict input', () => {
  it('names a misspelt field instead of dropping it', () => {
    const issues = unknownFieldIssues(
      ContactCreate,
      { firstName: 'Ada', lastName: 'L', emial: 'a@b.co' },
      'body',
    );
    expect(paths(issues)).toEqual(['body.emial']);
    expect(issues[0]!.message).toMatch(/^Unknown field; the fields here are: .*email/);
  });

  it('looks into nested objects and arrays, and lets records take any name', () => {
    const issues = unknownFieldIssues(
      ContactUpdate,
      {
        addresses: [{ lines: ['1 Main St'], city: 'Springfield', country: 'US', planet: 'Earth' }],
        customFields: { anything_goes: 'yes' },
      },
      'body',
    );
    expect(paths(issues)).toEqual(['body.addresses.0.planet']);
  });

  it('follows the option of a union the value matches', () => {
    const Shape = z.union([
      z.object({ kind: z.literal('circle'), radius: z.number() }),
      z.object({ kind: z.literal('square'), side: z.number() }),
    ]);
    expect(unknownFieldIssues(Shape, { kind: 'square', side: 2 }, 'body')).toEqual([]);
    expect(paths(unknownFieldIssues(Shape, { kind: 'square', side: 2, radius: 1 }, 'body'))).toEqual([
      'body.radius',
    ]);
  });

  it('follows discriminated unions of the real schemas', () => {
    const rule = {
      name: 'Welcome',
      trigger: { type: 'event', event: 'ContactCreated', colour: 'red' },
      actions: [{ type: 'create_task', title: 'Call {{contact.firstName}}' }],
    };
    expect(paths(unknownFieldIssues(AutomationRuleCreate, rule, 'body'))).toContain('body.trigger.colour');
  });

  it('reports schema errors, unknown fields and bad characters together, once per field', () => {
    const Schema = z.object({ name: z.string().check(z.minLength(5)), age: z.int() });
    const result = checkInput(Schema, { name: 'a\u0000', age: 'x', extra: 1 }, 'body');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(paths(result.issues)).toEqual(['body.age', 'body.extra', 'body.name']);
    expect(result.issues.find((i) => i.path === 'body.name')!.message).toMatch(/control characters/);
  });
});

describe('strict input in an invalid union', () => {
  const Activity = z.discriminatedUnion('type', [
    z.object({ type: z.literal('call'), phone: z.string() }),
    z.object({ type: z.literal('note'), text: z.string() }),
  ]);

  it('checks the fields of the option the tag names', () => {
    expect(paths(unknownFieldIssues(Activity, { type: 'note', phone: 1 }, 'body'))).toEqual(['body.phone']);
  });

  it('without a tag, names the fields no option declares', () => {
    expect(paths(unknownFieldIssues(Activity, { phone: 1, emial: 'x' }, 'body'))).toEqual(['body.emial']);
  });
});

describe('local date-times', () => {
  it('accept real wall-clock times and refuse impossible ones, such as month 15 or 30 February', () => {
    for (const ok of ['2026-01-05T09:00', '2028-02-29T23:59', '2026-12-31T00:00'])
      expect(LocalDateTime.safeParse(ok).success, ok).toBe(true);
    for (const bad of [
      '7193-15-39T53:29',
      '2026-02-30T09:00',
      '2027-02-29T09:00',
      '2026-04-31T10:00',
      '2026-01-05T24:00',
      '2026-01-05T09:60',
      '2026-01-05 09:00',
    ])
      expect(LocalDateTime.safeParse(bad).error?.issues, bad).toHaveLength(1);
  });
});

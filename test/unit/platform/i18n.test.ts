import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../shared/platform/i18n/catalog.ts';
import { LANGUAGES, readerLocale, SUPPORTED_LOCALES } from '../../../shared/platform/i18n/locales.ts';
import { Locale } from '../../../shared/platform/i18n/schema.ts';
import { translator } from '../../../shared/platform/i18n/translator.ts';

/**
 * The catalog is complete: every shipped language has every key of the English reference, each
 * message parses as ICU MessageFormat, and takes the same arguments in every language (a French
 * message that forgot `{amount}` would silently drop the amount from every French email).
 */

type Element = ReturnType<IntlMessageFormat['getAst']>[number];

/** Each argument of a message with how it is used: `amount`, `days:plural(one,other)`, ... */
function argumentsOf(elements: Element[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    const node = element as {
      type: number;
      value?: string;
      options?: Record<string, { value: Element[] }>;
      children?: Element[];
    };
    // 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural, 8 tag (intl-messageformat's TYPE).
    if (node.type === 1 || node.type === 2 || node.type === 3 || node.type === 4) into.add(node.value!);
    if (node.type === 5 || node.type === 6) {
      const kind = node.type === 5 ? 'select' : 'plural';
      into.add(
        `${node.value}:${kind}(${Object.keys(node.options ?? {})
          .sort()
          .join(',')})`,
      );
      for (const option of Object.values(node.options ?? {})) argumentsOf(option.value, into);
    }
    if (node.type === 8) {
      into.add(`<${node.value}>`);
      argumentsOf(node.children ?? [], into);
    }
  }
  return into;
}

const parse = (message: string, locale: string) => new IntlMessageFormat(message, locale).getAst();

const CATALOGS = Object.fromEntries(
  await Promise.all(LANGUAGES.map(async (language) => [language, await loadCatalog(language)] as const)),
);
const reference = CATALOGS.en!;
const others = LANGUAGES.filter((language) => language !== 'en');

describe('the message catalog', () => {
  it.each(others)('has every English key in %s, and no other', (language) => {
    const keys = Object.keys(CATALOGS[language]!).sort();
    expect(keys).toEqual(Object.keys(reference).sort());
  });

  it.each(LANGUAGES)(
    'parses every %s message as ICU MessageFormat, without a quoting apostrophe',
    (language) => {
      for (const [key, message] of Object.entries(CATALOGS[language]!)) {
        expect(() => parse(message, language), key).not.toThrow();
        // A straight apostrophe quotes what follows in ICU: the catalogs use ’ instead.
        expect(message, key).not.toContain("'");
      }
    },
  );

  it.each(others)('gives each %s message the arguments of its English one', (language) => {
    const differences = Object.entries(reference).flatMap(([key, english]) => {
      const expected = [...argumentsOf(parse(english, 'en'))].sort();
      const actual = [
        ...argumentsOf(parse(CATALOGS[language]![key as keyof typeof reference], language)),
      ].sort();
      return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [{ key, expected, actual }];
    });
    expect(differences).toEqual([]);
  });

  it('knows a message whose arguments differ', () => {
    const english = argumentsOf(parse('{days, plural, one {# day} other {# days}} for {amount}', 'en'));
    const forgetful = argumentsOf(parse('{days, plural, one {# jour} other {# jours}}', 'fr'));
    expect([...english]).not.toEqual([...forgetful]);
  });
});

describe('formats of a locale', () => {
  it('write money the way a French reader reads it, with no-break spaces', async () => {
    const french = await translator('fr-FR');
    const amount = french.money(164_550, 'EUR');
    expect(amount.replace(/[\u00a0\u202f]/g, ' ')).toBe('1 645,50 €');
    // Neither the thousands nor the currency may be wrapped onto another line.
    expect(amount).toBe('1\u202f645,50\u00a0€');
    expect((await translator('en-US')).money(164_550, 'EUR')).toBe('€1,645.50');
    // The region counts too: Swiss French groups and marks decimals its own way (which CLDR versions change).
    expect((await translator('fr-CH')).money(164_550, 'CHF')).toMatch(/^1.645[.,]50\u00a0CHF$/);
  });

  it('write amounts exactly, even beyond what a float holds', async () => {
    const english = await translator('en-US');
    expect(english.money(999_999_999_999_999, 'EUR')).toBe('€9,999,999,999,999.99');
    expect(english.money(125_000, 'JPY')).toBe('¥125,000');
    expect(english.money(1_234_567, 'KWD')).toMatch(/^KWD\s1,234\.567$/);
  });

  it('write a date-only value as that calendar day, whatever the time zone', async () => {
    expect((await translator('fr-FR')).date('2026-03-09')).toBe('9 mars 2026');
    expect((await translator('en-GB')).date('2026-03-09')).toBe('9 March 2026');
    expect((await translator('en-US')).date('2026-03-09')).toBe('March 9, 2026');
  });

  it('take plurals from the catalog: one in French covers 0 and 1', async () => {
    const french = await translator('fr-FR');
    expect(french.t('dunning.overdueBy', { days: 0 })).toBe('0 jour');
    expect(french.t('dunning.overdueBy', { days: 2 })).toBe('2 jours');
    expect((await translator('en-US')).t('dunning.overdueBy', { days: 0 })).toBe('0 days');
  });

  it('fall back from the contact’s locale to the tenant’s, then to the default', () => {
    expect(readerLocale('fr-BE', 'en-GB')).toBe('fr-BE');
    expect(readerLocale(undefined, 'en-GB')).toBe('en-GB');
    expect(readerLocale('xx-YY', null)).toBe('en-US');
  });

  it('refuse an unknown locale with the list of supported ones', () => {
    const result = Locale.safeParse('de-DE');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      `Must be a supported locale: ${SUPPORTED_LOCALES.join(', ')}.`,
    );
  });
});

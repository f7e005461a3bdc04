import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/platform/errors.ts';
import type { Product } from '../../../shared/sales/commerce-schema.ts';
import {
  ConfigurationRuleError,
  checkSelection,
  definitionIssues,
} from '../../../shared/sales/configurator.ts';

const car: Product = {
  id: '01J00000000000000000000000',
  sku: 'CAR-1',
  name: 'Roadster',
  prices: [{ currency: 'EUR', unitAmount: 3_000_000 }],
  taxRateBps: 2000,
  leadTimeDays: 30,
  minOrderQuantity: 1,
  active: true,
  trackStock: true,
  optionGroups: [
    {
      id: 'paint',
      name: 'Paint',
      required: true,
      choices: [
        { id: 'white', name: 'White', priceDeltas: [], extraLeadTimeDays: 0 },
        {
          id: 'matte-black',
          name: 'Matte black',
          priceDeltas: [{ currency: 'EUR', amount: 150_000 }],
          extraLeadTimeDays: 21,
        },
      ],
    },
    {
      id: 'interior',
      name: 'Interior',
      required: true,
      choices: [
        {
          id: 'cloth',
          name: 'Cloth',
          priceDeltas: [{ currency: 'EUR', amount: -20_000 }],
          extraLeadTimeDays: 0,
        },
        {
          id: 'leather',
          name: 'Leather',
          priceDeltas: [{ currency: 'EUR', amount: 250_000 }],
          extraLeadTimeDays: 14,
        },
      ],
    },
    {
      id: 'transmission',
      name: 'Transmission',
      required: false,
      choices: [
        { id: 'manual', name: 'Manual', priceDeltas: [], extraLeadTimeDays: 0 },
        {
          id: 'automatic',
          name: 'Automatic',
          priceDeltas: [{ currency: 'EUR', amount: 200_000 }],
          extraLeadTimeDays: 0,
        },
      ],
    },
  ],
  rules: [
    {
      id: 'matte-needs-leather',
      description: 'Matte black comes with the leather interior',
      type: 'requires',
      when: { group: 'paint', choice: 'matte-black' },
      choices: [{ group: 'interior', choice: 'leather' }],
    },
    {
      id: 'no-manual-with-cloth',
      type: 'excludes',
      when: { group: 'interior', choice: 'cloth' },
      choices: [{ group: 'transmission', choice: 'manual' }],
    },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};

describe('the configurator', () => {
  it('prices a valid selection with the deltas of its choices and the longest extra lead time', () => {
    const checked = checkSelection(
      car,
      { paint: 'matte-black', interior: 'leather', transmission: 'automatic' },
      'EUR',
    );
    expect(checked.priceDelta).toBe(600_000);
    expect(checked.extraLeadTimeDays).toBe(21);
    expect(checked.summary).toBe('Paint: Matte black; Interior: Leather; Transmission: Automatic');
  });

  it('leaves an optional group out and lowers the price for a cheaper choice', () => {
    const checked = checkSelection(car, { paint: 'white', interior: 'cloth' }, 'EUR');
    expect(checked.priceDelta).toBe(-20_000);
    expect(checked.selection).toEqual({ paint: 'white', interior: 'cloth' });
  });

  it('names the requires rule a selection breaks', () => {
    const error = (() => {
      try {
        checkSelection(car, { paint: 'matte-black', interior: 'cloth', transmission: 'automatic' }, 'EUR');
      } catch (e) {
        return e;
      }
    })() as ConfigurationRuleError;
    expect(error).toBeInstanceOf(ConfigurationRuleError);
    expect(error.message).toContain('matte-needs-leather');
    expect(error.message).toContain('Paint: Matte black requires Interior: Leather');
    expect(error.details.rule).toMatchObject({ id: 'matte-needs-leather', type: 'requires' });
  });

  it('names the excludes rule a selection breaks', () => {
    expect(() =>
      checkSelection(car, { paint: 'white', interior: 'cloth', transmission: 'manual' }, 'EUR'),
    ).toThrow(/no-manual-with-cloth.*Interior: Cloth excludes Transmission: Manual/);
  });

  it('asks for every required group and refuses unknown groups and choices, with their paths', () => {
    try {
      checkSelection(car, { paint: 'pink', sunroof: 'yes' }, 'EUR', 'body.lines.0.selection');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'body.lines.0.selection.interior',
        'body.lines.0.selection.paint',
        'body.lines.0.selection.sunroof',
      ]);
    }
  });

  it('refuses a priced choice in a currency it has no price in', () => {
    expect(() => checkSelection(car, { paint: 'white', interior: 'leather' }, 'USD')).toThrow(
      /Interior Leather has no price in USD/,
    );
  });

  it('finds rules that refer to unknown groups or choices when a product is saved', () => {
    const issues = definitionIssues({
      prices: car.prices,
      optionGroups: car.optionGroups,
      rules: [
        {
          id: 'bad',
          type: 'requires',
          when: { group: 'paint', choice: 'gold' },
          choices: [{ group: 'roof', choice: 'glass' }],
        },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual(['body.rules.0.when', 'body.rules.0.choices.0']);
  });
});

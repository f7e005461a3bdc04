import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/platform/i18n/translator.ts';
import { renderTemplate } from '../../../shared/platform/merge-fields.ts';
import { ownValue } from '../../../shared/platform/own.ts';
import type { Product } from '../../../shared/sales/commerce-schema.ts';
import { checkSelection } from '../../../shared/sales/configurator.ts';
import { firstComment, readAnswers, responseCounters } from '../../../shared/surveys/questions.ts';
import type { Question } from '../../../shared/surveys/schema.ts';

/**
 * Names chosen by tenants and clients (question ids, option groups, custom fields, merge fields)
 * may be `constructor`, which every plain object inherits. Each lookup by such a name must see
 * only what was given, never Object.prototype.
 */
describe('names a plain object inherits', () => {
  it('are absent from a record that does not hold them', () => {
    expect(ownValue({}, 'constructor')).toBeUndefined();
    expect(ownValue({}, 'toString')).toBeUndefined();
    expect(ownValue({ constructor: 'given' }, 'constructor')).toBe('given');
    expect(ownValue(undefined, 'constructor')).toBeUndefined();
  });

  it('leave an optional survey question named constructor unanswered when no answer is given', async () => {
    const questions: Question[] = [
      { id: 'constructor', type: 'text', text: 'Who built it?', required: false },
      { id: 'score', type: 'nps', text: 'Recommend?', required: true },
    ];
    const read = readAnswers(questions, { score: 9 }, 'json', await translator('en-US'));
    expect(read).toEqual({ answers: { score: 9 }, problems: {} });
    expect(responseCounters(questions, read.answers)).toEqual({
      responses: 1,
      answered_1: 1,
      sum_1: 9,
      v_1_9: 1,
    });
    expect(firstComment(questions, read.answers)).toBeUndefined();
  });

  it('price a product whose optional option group is named constructor without choosing it', () => {
    const product = {
      id: '01J00000000000000000000000',
      sku: 'DESK-1',
      name: 'Desk',
      prices: [{ currency: 'EUR', unitAmount: 30_000 }],
      taxRateBps: 2000,
      leadTimeDays: 5,
      minOrderQuantity: 1,
      active: true,
      trackStock: false,
      optionGroups: [
        {
          id: 'constructor',
          name: 'Builder',
          required: false,
          choices: [{ id: 'acme', name: 'Acme', priceDeltas: [], extraLeadTimeDays: 0 }],
        },
      ],
      rules: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 1,
    } as Product;
    expect(checkSelection(product, {}, 'EUR').priceDelta).toBe(0);
  });

  it('render an unknown merge field as its fallback, not as a function', () => {
    expect(renderTemplate('Hi {{contact.constructor | "there"}}', { contact: {} }, 'text')).toBe('Hi there');
  });
});

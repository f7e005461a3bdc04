import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/platform/i18n/translator.ts';
import { normalizeShortCode } from '../../../shared/surveys/invitations.ts';
import {
  headlineScores,
  needsFollowUp,
  readAnswers,
  responseCounters,
} from '../../../shared/surveys/questions.ts';
import { combinedScores, quarterOf, scoresOf } from '../../../shared/surveys/results.ts';

const english = await translator('en-US');

import type { Question } from '../../../shared/surveys/schema.ts';

const questions: Question[] = [
  { id: 'recommend', type: 'nps', text: 'Recommend?', required: true },
  { id: 'support', type: 'csat', text: 'Support?', required: false },
  {
    id: 'uses',
    type: 'multiple_choice',
    text: 'Uses?',
    required: false,
    choices: [
      { id: 'quotes', label: 'Quotes' },
      { id: 'invoices', label: 'Invoices' },
    ],
  },
];

describe('answers from a form', () => {
  it('read numbers from text and keep the options in the question order', () => {
    expect(
      readAnswers(questions, { recommend: ' 7 ', uses: ['invoices', 'quotes', ''] }, 'form', english),
    ).toEqual({
      answers: { recommend: 7, uses: ['quotes', 'invoices'] },
      problems: {},
    });
  });

  it('refuse a number sent as text through the API, and a decimal anywhere', () => {
    expect(readAnswers(questions, { recommend: '7' }, 'json', english).problems).toEqual({
      recommend: 'Choose a whole number from 0 to 10.',
    });
    expect(readAnswers(questions, { recommend: '7.5' }, 'form', english).problems.recommend).toBeDefined();
  });

  it('are explained in the respondent’s language', async () => {
    const french = await translator('fr-FR');
    expect(readAnswers(questions, { uses: 'other', recommend: '' }, 'form', french).problems).toEqual({
      recommend: 'Cette question demande une réponse.',
      uses: 'Choisissez un ou plusieurs choix parmi\u00a0: Quotes, Invoices.',
    });
  });
});

describe('scores', () => {
  it('follow up detractors (0-6) and low CSAT (1-2), not passives or neutral answers', () => {
    expect(needsFollowUp({ nps: 6 })).toBe(true);
    expect(needsFollowUp({ nps: 7, csat: 3 })).toBe(false);
    expect(needsFollowUp({ csat: 2 })).toBe(true);
    expect(headlineScores(questions, { recommend: 0 })).toEqual({ nps: 0 });
  });

  it('compute NPS as % promoters minus % detractors from the counters alone', () => {
    const counters = [9, 10, 7, 3, 0].reduce<Record<string, number>>(
      (sum, score) => {
        for (const [name, value] of Object.entries(responseCounters(questions, { recommend: score })))
          sum[name] = (sum[name] ?? 0) + value;
        return sum;
      },
      { invited: 8 },
    );
    expect(scoresOf(questions, counters)).toEqual({
      invited: 8,
      responses: 5,
      responseRate: 62.5,
      nps: { score: 0, promoters: 2, passives: 1, detractors: 2, answered: 5 },
      csat: { average: 0, satisfied: 0, answered: 0 },
    });
    // Across revisions whose question order differs, counts are added, not scores averaged.
    const moved: Question[] = [questions[1]!, questions[0]!];
    const later = responseCounters(moved, { recommend: 10 });
    expect(
      combinedScores([
        { questions, counters },
        { questions: moved, counters: later },
      ]).nps,
    ).toEqual({
      score: 16.7,
      promoters: 3,
      passives: 1,
      detractors: 2,
      answered: 6,
    });
  });

  it('name calendar quarters', () => {
    expect(['2026-01-01', '2026-03-31', '2026-04-01', '2026-12-31'].map(quarterOf)).toEqual([
      '2026-Q1',
      '2026-Q1',
      '2026-Q2',
      '2026-Q4',
    ]);
  });
});

describe('short codes typed from paper', () => {
  it('ignore case, spaces and dashes, and read I, L and O as digits', () => {
    expect(normalizeShortCode('ab1o 2lxz')).toBe('AB10-21XZ');
    expect(normalizeShortCode('AB10-21XZ')).toBe('AB10-21XZ');
  });
});

import { isChoice, SCALES } from './questions.ts';
import type { Question, Scores } from './schema.ts';

/**
 * Scores from aggregate counters (see `responseCounters`), never from the responses themselves:
 * results cost the same for ten answers or a million.
 */
export type Counters = Record<string, number>;

export function addCounters(into: Counters, from: Counters): Counters {
  for (const [name, value] of Object.entries(from)) into[name] = (into[name] ?? 0) + value;
  return into;
}

const oneDecimal = (value: number) => Math.round(value * 10) / 10;
const twoDecimals = (value: number) => Math.round(value * 100) / 100;

function scaleCount(counters: Counters, i: number, from: number, to: number): number {
  let sum = 0;
  for (let v = from; v <= to; v++) sum += counters[`v_${i}_${v}`] ?? 0;
  return sum;
}

export function npsOf(counters: Counters, i: number) {
  const answered = counters[`answered_${i}`] ?? 0;
  const promoters = scaleCount(counters, i, 9, 10);
  const passives = scaleCount(counters, i, 7, 8);
  const detractors = scaleCount(counters, i, 0, 6);
  const score = answered ? oneDecimal(((promoters - detractors) * 100) / answered) : 0;
  return { score, promoters, passives, detractors, answered };
}

export function questionResults(questions: Question[], counters: Counters) {
  return questions.map((question, i) => {
    const answered = counters[`answered_${i}`] ?? 0;
    const scale = SCALES[question.type];
    const result: {
      questionId: string;
      type: Question['type'];
      text: string;
      answered: number;
      distribution?: Array<{ value: string; label: string; count: number }>;
      average?: number;
      nps?: number;
    } = { questionId: question.id, type: question.type, text: question.text, answered };
    if (scale) {
      result.distribution = [];
      for (let v = scale.min; v <= scale.max; v++)
        result.distribution.push({
          value: String(v),
          label: scale.labels?.[v - scale.min] ?? String(v),
          count: counters[`v_${i}_${v}`] ?? 0,
        });
      if (answered) result.average = twoDecimals((counters[`sum_${i}`] ?? 0) / answered);
      if (question.type === 'nps') result.nps = npsOf(counters, i).score;
    } else if (isChoice(question.type)) {
      result.distribution = (question.choices ?? []).map((choice, j) => ({
        value: choice.id,
        label: choice.label,
        count: counters[`c_${i}_${j}`] ?? 0,
      }));
    }
    return result;
  });
}

/** Headline scores of one revision's counters; `invited` counts the invitations behind them. */
export function scoresOf(questions: Question[], counters: Counters): Scores {
  const invited = counters.invited ?? 0;
  const responses = counters.responses ?? 0;
  const scores: Scores = { invited, responses };
  if (invited) scores.responseRate = oneDecimal((responses * 100) / invited);
  const npsIndex = questions.findIndex((q) => q.type === 'nps');
  if (npsIndex >= 0) scores.nps = npsOf(counters, npsIndex);
  const csatIndex = questions.findIndex((q) => q.type === 'csat');
  if (csatIndex >= 0) {
    const answered = counters[`answered_${csatIndex}`] ?? 0;
    scores.csat = {
      average: answered ? twoDecimals((counters[`sum_${csatIndex}`] ?? 0) / answered) : 0,
      satisfied: answered ? oneDecimal((scaleCount(counters, csatIndex, 4, 5) * 100) / answered) : 0,
      answered,
    };
  }
  return scores;
}

/**
 * Headline scores across revisions whose questions differ: each revision's counters are read with
 * its own questions, then the counts are added up.
 */
export function combinedScores(parts: Array<{ questions: Question[]; counters: Counters }>): Scores {
  const total: Scores = { invited: 0, responses: 0 };
  let nps: { promoters: number; passives: number; detractors: number; answered: number } | undefined;
  let csat: { sum: number; satisfied: number; answered: number } | undefined;
  for (const { questions, counters } of parts) {
    const scores = scoresOf(questions, counters);
    total.invited += scores.invited;
    total.responses += scores.responses;
    if (scores.nps) {
      nps ??= { promoters: 0, passives: 0, detractors: 0, answered: 0 };
      nps.promoters += scores.nps.promoters;
      nps.passives += scores.nps.passives;
      nps.detractors += scores.nps.detractors;
      nps.answered += scores.nps.answered;
    }
    const csatIndex = questions.findIndex((q) => q.type === 'csat');
    if (csatIndex >= 0) {
      csat ??= { sum: 0, satisfied: 0, answered: 0 };
      csat.sum += counters[`sum_${csatIndex}`] ?? 0;
      csat.satisfied += scaleCount(counters, csatIndex, 4, 5);
      csat.answered += counters[`answered_${csatIndex}`] ?? 0;
    }
  }
  if (total.invited) total.responseRate = oneDecimal((total.responses * 100) / total.invited);
  if (nps)
    total.nps = {
      ...nps,
      score: nps.answered ? oneDecimal(((nps.promoters - nps.detractors) * 100) / nps.answered) : 0,
    };
  if (csat)
    total.csat = {
      average: csat.answered ? twoDecimals(csat.sum / csat.answered) : 0,
      satisfied: csat.answered ? oneDecimal((csat.satisfied * 100) / csat.answered) : 0,
      answered: csat.answered,
    };
  return total;
}

/** `2026-05-14` → `2026-Q2`. */
export function quarterOf(localDate: string): string {
  const month = Number(localDate.slice(5, 7));
  return `${localDate.slice(0, 4)}-Q${Math.ceil(month / 3)}`;
}

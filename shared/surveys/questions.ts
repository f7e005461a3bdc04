import type { FieldIssue } from '../platform/errors.ts';
import type { MessageKey } from '../platform/i18n/catalog.ts';
import type { MessageValues, Translator } from '../platform/i18n/translator.ts';
import { ownValue } from '../platform/own.ts';
import type { Answers, AnswerValue, Question, QuestionInput, QuestionType } from './schema.ts';

/**
 * Questions and answers, as pure functions shared by the API, the public form, paper entry and
 * the aggregates: one place decides what a valid answer is.
 */

interface Scale {
  min: number;
  max: number;
  lowLabel: string;
  highLabel: string;
  labels?: string[];
}

/** The longest text answer a question takes when it sets none (schema.ts caps what it may set). */
export const DEFAULT_TEXT_ANSWER_MAX = 1000;

export const SCALES: Partial<Record<QuestionType, Scale>> = {
  nps: { min: 0, max: 10, lowLabel: 'Not at all likely', highLabel: 'Extremely likely' },
  csat: {
    min: 1,
    max: 5,
    lowLabel: 'Very dissatisfied',
    highLabel: 'Very satisfied',
    labels: ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'],
  },
  rating: { min: 1, max: 7, lowLabel: 'Poor', highLabel: 'Excellent' },
};

export const isChoice = (type: QuestionType) => type === 'single_choice' || type === 'multiple_choice';

/** Gives every question and option its id and checks what the schema alone cannot. */
export function normalizeQuestions(
  inputs: QuestionInput[],
  path = 'body.questions',
): {
  questions: Question[];
  issues: FieldIssue[];
} {
  const issues: FieldIssue[] = [];
  const explicit = new Set(inputs.map((q) => q.id).filter(Boolean));
  const seen = new Set<string>();
  const questions = inputs.map((input, i): Question => {
    const at = `${path}.${i}`;
    let id = input.id;
    if (!id) {
      let n = i + 1;
      while (explicit.has(`q${n}`) || seen.has(`q${n}`)) n++;
      id = `q${n}`;
    }
    if (seen.has(id))
      issues.push({ path: `${at}.id`, message: `Another question already has the id ${id}.` });
    seen.add(id);
    const question: Question = { id, type: input.type, text: input.text, required: input.required };
    if (input.help) question.help = input.help;
    if (isChoice(input.type)) {
      if (!input.choices)
        issues.push({ path: `${at}.choices`, message: 'A choice question needs 2 to 20 choices.' });
      else {
        const ids = new Set<string>();
        question.choices = input.choices.map((choice, j) => {
          const choiceId = choice.id ?? `c${j + 1}`;
          if (ids.has(choiceId))
            issues.push({
              path: `${at}.choices.${j}.id`,
              message: `Another choice already has the id ${choiceId}.`,
            });
          ids.add(choiceId);
          return { id: choiceId, label: choice.label };
        });
      }
    } else if (input.choices) {
      issues.push({ path: `${at}.choices`, message: `Questions of type ${input.type} have no choices.` });
    }
    if (input.type === 'text') question.maxLength = input.maxLength ?? DEFAULT_TEXT_ANSWER_MAX;
    else if (input.maxLength !== undefined)
      issues.push({ path: `${at}.maxLength`, message: 'Only text questions have a maxLength.' });
    return question;
  });
  return { questions, issues };
}

export type AnswerSource = 'json' | 'form';

/**
 * Reads the answers to `questions`: from the API (numbers, strings, lists) or from an HTML form
 * (every value a string; checkboxes a list). Returns the clean answers and, by question id, what
 * is wrong with the others (in the language of `i18n`: the respondent reads them on the form);
 * unknown question ids are problems too.
 */
export function readAnswers(
  questions: Question[],
  raw: Record<string, unknown>,
  source: AnswerSource,
  i18n: Translator,
): { answers: Answers; problems: Record<string, string> } {
  const answers: Answers = {};
  const problems: Record<string, string> = {};
  const known = new Set(questions.map((q) => q.id));
  for (const name of Object.keys(raw)) if (!known.has(name)) problems[name] = i18n.t('survey.answer.unknown');
  for (const question of questions) {
    const result = readAnswer(question, ownValue(raw, question.id), source);
    if ('problem' in result) problems[question.id] = i18n.t(result.problem, result.values);
    else if (result.value !== undefined) answers[question.id] = result.value;
  }
  return { answers, problems };
}

const blank = (value: unknown) =>
  value === undefined ||
  value === null ||
  (typeof value === 'string' && value.trim() === '') ||
  (Array.isArray(value) && value.every((v) => typeof v === 'string' && v.trim() === ''));

type Reading = { value: AnswerValue | undefined } | { problem: MessageKey; values?: MessageValues };

function readAnswer(question: Question, value: unknown, source: AnswerSource): Reading {
  if (blank(value)) return question.required ? { problem: 'survey.answer.required' } : { value: undefined };
  const scale = SCALES[question.type];
  if (scale) {
    const number =
      typeof value === 'number'
        ? value
        : source === 'form' && typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
          ? Number(value)
          : Number.NaN;
    if (!Number.isInteger(number) || number < scale.min || number > scale.max)
      return { problem: 'survey.answer.scale', values: { min: scale.min, max: scale.max } };
    return { value: number };
  }
  const choices = question.choices ?? [];
  const choiceIds = new Set(choices.map((c) => c.id));
  if (question.type === 'single_choice') {
    if (typeof value !== 'string' || !choiceIds.has(value))
      return { problem: 'survey.answer.oneOf', values: { choices: choices.map((c) => c.label).join(', ') } };
    return { value };
  }
  if (question.type === 'multiple_choice') {
    const list = Array.isArray(value) ? value : [value];
    const picked = list.filter((v) => !(typeof v === 'string' && v.trim() === ''));
    if (!picked.every((v): v is string => typeof v === 'string' && choiceIds.has(v)))
      return { problem: 'survey.answer.among', values: { choices: choices.map((c) => c.label).join(', ') } };
    // In the question's order, each once.
    return { value: choices.map((c) => c.id).filter((id) => picked.includes(id)) };
  }
  if (typeof value !== 'string') return { problem: 'survey.answer.text' };
  const text = value.trim();
  const max = question.maxLength ?? DEFAULT_TEXT_ANSWER_MAX;
  if (text.length > max) return { problem: 'survey.answer.tooLong', values: { max, length: text.length } };
  return { value: text };
}

/** The survey-level scores: the answer to the first nps and to the first csat question. */
export function headlineScores(questions: Question[], answers: Answers): { nps?: number; csat?: number } {
  const first = (type: QuestionType) => {
    const question = questions.find((q) => q.type === type);
    const value = question ? ownValue(answers, question.id) : undefined;
    return typeof value === 'number' ? value : undefined;
  };
  const nps = first('nps');
  const csat = first('csat');
  return { ...(nps !== undefined ? { nps } : {}), ...(csat !== undefined ? { csat } : {}) };
}

/** A detractor (NPS 0-6) or a low CSAT (1-2) calls for a follow-up with the customer. */
export function needsFollowUp(scores: { nps?: number; csat?: number }): boolean {
  return (scores.nps !== undefined && scores.nps <= 6) || (scores.csat !== undefined && scores.csat <= 2);
}

/** The first text answer, shortened, for tasks and timelines to quote. */
export function firstComment(questions: Question[], answers: Answers, max = 500): string | undefined {
  for (const question of questions) {
    const value = ownValue(answers, question.id);
    if (question.type === 'text' && typeof value === 'string' && value)
      return value.length > max ? `${value.slice(0, max - 1)}…` : value;
  }
  return undefined;
}

/**
 * The counters one response adds to its wave's aggregates. Attribute names use the question's
 * position in its revision (aggregates are per revision), so any id is safe in them:
 * `answered_<i>`, `sum_<i>`, `v_<i>_<value>` for scales, `c_<i>_<choice index>` for choices.
 */
export function responseCounters(questions: Question[], answers: Answers): Record<string, number> {
  const counters: Record<string, number> = { responses: 1 };
  questions.forEach((question, i) => {
    const value = ownValue(answers, question.id);
    if (value === undefined) return;
    counters[`answered_${i}`] = 1;
    if (typeof value === 'number') {
      counters[`sum_${i}`] = value;
      counters[`v_${i}_${value}`] = 1;
    } else if (isChoice(question.type)) {
      const picked = Array.isArray(value) ? value : [value];
      (question.choices ?? []).forEach((choice, j) => {
        if (picked.includes(choice.id)) counters[`c_${i}_${j}`] = 1;
      });
    }
  });
  return counters;
}

/** An answer as one CSV cell or one line of text. */
export function answerText(question: Question, value: AnswerValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const label = (id: string) => question.choices?.find((c) => c.id === id)?.label ?? id;
  if (Array.isArray(value)) return value.map(label).join('; ');
  return isChoice(question.type) ? label(value) : value;
}

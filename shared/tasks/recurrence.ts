import type * as RRuleModule from 'rrule';

/**
 * Recurrence rules (RFC 5545 RRULE) evaluated in the tenant's time zone. The `rrule` library
 * computes occurrences on "floating" wall-clock times (UTC dates that stand for local ones); each
 * local occurrence becomes an instant through the tenant's zone only at the end, so a weekly duty
 * at 09:00 stays at 09:00 across daylight-saving changes.
 */

type RRuleClass = typeof RRuleModule.RRule;
type Rule = InstanceType<RRuleClass>;

let loaded: Promise<RRuleClass> | undefined;

/**
 * rrule (44 KB minified) is loaded on the first rule evaluated, not at every cold start: the API,
 * job and event functions of five modules import this file, and most of their invocations never
 * read a rule (split bundles make it a chunk of its own).
 */
function rruleClass(): Promise<RRuleClass> {
  loaded ??= import('rrule').then(
    // Node resolves the package's CommonJS build (named exports under `default`); bundlers its ESM
    // one. Reflect.get, not `.default`: esbuild warns at every synth about a `default` the ESM
    // build lacks.
    (module) => ('RRule' in module ? module : (Reflect.get(module, 'default') as typeof RRuleModule)).RRule,
  );
  return loaded;
}

// Code that only converts local times imports local-time.ts itself, without rrule (45 KB).
export { compactLocal, localDateTime, occurrenceInstant } from './local-time.ts';

export class RecurrenceError extends Error {
  override name = 'RecurrenceError';
}

// RRule.YEARLY, MONTHLY, WEEKLY and DAILY (RFC 5545's frequencies, numbered from YEARLY = 0).
const ALLOWED = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY'] as const);

const floating = (local: string) => new Date(`${local}:00.000Z`);
const toLocal = (date: Date) => date.toISOString().slice(0, 16);

/** The rule text without an optional `RRULE:` prefix, upper-cased as RFC 5545 writes it. */
export function normalizeRule(text: string): string {
  return text
    .trim()
    .replace(/^RRULE:/i, '')
    .toUpperCase();
}

/**
 * Parses `text` counting from the local date-time `startsAt`; throws RecurrenceError with a
 * sentence naming the problem (an unknown property, no FREQ, a rule that never occurs...).
 */
export async function parseRecurrence(text: string, startsAt: string): Promise<Rule> {
  const RRule = await rruleClass();
  const normalized = normalizeRule(text);
  const invalid = (error: unknown) => {
    const detail = error instanceof TypeError ? 'it could not be read' : (error as Error).message;
    return new RecurrenceError(`Not a valid RRULE (${detail}); for example FREQ=WEEKLY;BYDAY=MO.`);
  };
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(normalized);
  } catch (error) {
    throw invalid(error);
  }
  if (options.dtstart || options.tzid)
    throw new RecurrenceError('Give the first occurrence as startsAt, not as DTSTART or TZID in the rule.');
  if (
    options.freq === undefined ||
    options.freq === null ||
    ![...ALLOWED].some((name) => RRule[name] === options.freq)
  )
    throw new RecurrenceError(
      /FREQ=/.test(normalized)
        ? 'Tasks recur at most daily: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.'
        : 'The rule needs a FREQ: DAILY, WEEKLY, MONTHLY or YEARLY.',
    );
  for (const name of ['count', 'interval'] as const) {
    const value = options[name];
    if (value !== undefined && value !== null && !(Number.isInteger(Number(value)) && Number(value) > 0))
      throw new RecurrenceError(`${name.toUpperCase()} must be a positive whole number.`);
  }
  let rule: Rule;
  let first: Date | null;
  try {
    rule = new RRule({ ...options, dtstart: floating(startsAt) });
    first = rule.after(floating(startsAt), true);
  } catch (error) {
    throw invalid(error);
  }
  if (!first) throw new RecurrenceError('The rule never occurs.');
  return rule;
}

/** The first occurrence strictly after the local date-time `after` (or at it, when `inclusive`). */
export async function nextOccurrence(
  text: string,
  startsAt: string,
  after: string,
  inclusive = false,
): Promise<string | undefined> {
  const next = (await parseRecurrence(text, startsAt)).after(floating(after), inclusive);
  return next ? toLocal(next) : undefined;
}

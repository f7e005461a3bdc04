import { CronExpressionParser } from 'cron-parser';

/**
 * EventBridge Scheduler's schedule expressions, evaluated in a schedule's time zone:
 * - `rate(1 minute)`, `rate(5 minutes)`, `rate(2 hours)`, `rate(1 day)`: fixed durations from an
 *   anchor (the schedule's start date or creation time), so DST does not shift them;
 * - `cron(minutes hours day-of-month month day-of-week year)`: AWS's six fields, where day-of-week
 *   runs 1-7 = SUN-SAT and one of the two day fields must be `?`. The minute to day-of-week fields
 *   are translated to cron-parser's syntax; the year field and `W` are evaluated here. As AWS
 *   documents, a time that DST skips does not run, and a time that DST repeats runs once;
 * - `at(yyyy-mm-ddThh:mm:ss)`: one wall-clock moment.
 */
export class InvalidExpressionError extends Error {
  override name = 'InvalidExpressionError';
}

export type ScheduleExpression =
  | { kind: 'rate'; text: string; periodMs: number }
  | { kind: 'at'; text: string; local: string }
  | { kind: 'cron'; text: string; cron: CronSpec };

interface CronSpec {
  /** The expression cron-parser evaluates (seconds first, day-of-week 0-6 = SUN-SAT). */
  translated: string;
  minutes: Set<number>;
  hours: Set<number>;
  years: Set<number> | 'any';
  /** `15W` (nearest weekday to the 15th) or `LW` (last weekday of the month). */
  weekday?: number | 'last';
}

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

export function parseExpression(text: string): ScheduleExpression {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) throw new InvalidExpressionError(`${text}: the rate must be a positive number.`);
    if ((value === 1) !== !unit.endsWith('s'))
      throw new InvalidExpressionError(
        `${text}: write "1 ${unit.replace(/s$/, '')}" but "${value} ${unit.replace(/s?$/, 's')}".`,
      );
    return { kind: 'rate', text, periodMs: value * (RATE_UNITS[unit.replace(/s$/, '')] as number) };
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [, y, mo, d, h, mi, s] = at.map(Number) as number[];
    const probe = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    if (probe.getUTCMonth() !== mo! - 1 || probe.getUTCDate() !== d! || h! > 23 || mi! > 59 || s! > 59)
      throw new InvalidExpressionError(`${text}: not a calendar date and time.`);
    return { kind: 'at', text, local: text.slice(3, -1) };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', text, cron: parseCron(cron[1] as string, text) };
  throw new InvalidExpressionError(`${text}: expected rate(...), cron(...) or at(yyyy-mm-ddThh:mm:ss).`);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first run strictly after `after`. `anchor` is where a rate's runs are counted from.
 * Undefined when the expression never runs again.
 */
export function nextRun(
  expression: ScheduleExpression,
  options: { after: Date; timeZone: string; anchor?: Date },
): Date | undefined {
  const after = options.after.getTime();
  switch (expression.kind) {
    case 'rate': {
      const anchor = (options.anchor ?? options.after).getTime();
      if (after < anchor) return new Date(anchor);
      const periods = Math.floor((after - anchor) / expression.periodMs) + 1;
      return new Date(anchor + periods * expression.periodMs);
    }
    case 'at': {
      const at = zonedToInstant(expression.local, options.timeZone);
      return at.getTime() > after ? at : undefined;
    }
    case 'cron':
      return nextCronRun(expression.cron, options.after, options.timeZone);
  }
}

function nextCronRun(spec: CronSpec, after: Date, timeZone: string): Date | undefined {
  let cursor = after;
  let iterator = CronExpressionParser.parse(spec.translated, { currentDate: cursor, tz: timeZone });
  // Bounded: W and DST filters reject at most a handful of candidates in a row, years jump ahead.
  for (let guard = 0; guard < 10_000; guard++) {
    const candidate = iterator.next().toDate();
    const local = zonedParts(candidate, timeZone);
    if (spec.years !== 'any' && !spec.years.has(local.year)) {
      const nextYear = [...spec.years].sort((a, b) => a - b).find((y) => y > local.year);
      if (nextYear === undefined) return undefined;
      cursor = new Date(zonedToInstant(`${nextYear}-01-01T00:00:00`, timeZone).getTime() - 1);
      iterator = CronExpressionParser.parse(spec.translated, { currentDate: cursor, tz: timeZone });
      continue;
    }
    // cron-parser moves a time that DST skips to after the jump; AWS skips it.
    if (!spec.hours.has(local.hour) || !spec.minutes.has(local.minute)) continue;
    if (spec.weekday !== undefined && local.day !== weekdayOf(local.year, local.month, spec.weekday))
      continue;
    return candidate;
  }
  return undefined;
}

/** The nearest weekday (Mon-Fri) to `day` within the month, or the month's last weekday. */
function weekdayOf(year: number, month: number, day: number | 'last'): number | undefined {
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const target = day === 'last' ? length : day;
  if (target > length) return undefined;
  const dow = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (dow === 6) return target === 1 ? 3 : target - 1;
  if (dow === 0) return target === length ? target - 2 : target + 1;
  return target;
}

function parseCron(body: string, text: string): CronSpec {
  const fields = body.trim().split(/\s+/);
  const fail: (why: string) => never = (why) => {
    throw new InvalidExpressionError(`${text}: ${why}`);
  };
  if (fields.length !== 6)
    fail('cron(...) takes six fields: minutes hours day-of-month month day-of-week year.');
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?'))
    fail('one of day-of-month and day-of-week must be "?" and the other must not.');
  const minutes = expand(minute, 0, 59, 'minutes', fail);
  const hours = expand(hour, 0, 23, 'hours', fail);
  expand(month, 1, 12, 'month', fail, MONTHS);
  const years = year === '*' ? 'any' : expand(year, MIN_YEAR, MAX_YEAR, 'year', fail);
  let domOut = dom;
  let weekday: CronSpec['weekday'];
  if (dom !== '?') {
    const w = /^(\d{1,2}|L)W$/.exec(dom);
    if (w) {
      weekday = w[1] === 'L' ? 'last' : Number(w[1]);
      if (weekday !== 'last' && (weekday < 1 || weekday > 31)) fail(`day-of-month ${dom} is out of range.`);
      // The weekday nearest to a day lies within two days of it; filtered exactly in nextCronRun.
      domOut = weekday === 'last' ? '26-31' : `${Math.max(1, weekday - 2)}-${Math.min(31, weekday + 2)}`;
    } else if (dom !== 'L') {
      expand(dom, 1, 31, 'day-of-month', fail);
    }
  }
  const dowOut = dow === '?' ? '?' : translateDayOfWeek(dow, fail);
  return {
    translated: `0 ${minute} ${hour} ${domOut} ${month} ${dowOut}`,
    minutes,
    hours,
    years,
    ...(weekday !== undefined ? { weekday } : {}),
  };
}

/** AWS numbers days 1-7 from Sunday; cron-parser 0-6. Lists and steps are expanded first. */
function translateDayOfWeek(field: string, fail: (why: string) => never): string {
  const number = (token: string): number => {
    const index = DAYS.indexOf(token.toUpperCase());
    const n = index >= 0 ? index + 1 : /^\d$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= 1 && n <= 7)) fail(`day-of-week ${token} is not 1-7 or SUN-SAT.`);
    return n;
  };
  if (field === 'L') return '6';
  const last = /^(\w+)L$/.exec(field);
  if (last) return `${number(last[1] as string) - 1}L`;
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth) return `${number(nth[1] as string) - 1}#${nth[2]}`;
  const days = expand(field, 1, 7, 'day-of-week', fail, DAYS);
  return [...days]
    .sort((a, b) => a - b)
    .map((d) => d - 1)
    .join(',');
}

/** The values a field's list of `*`, `n`, `a-b`, each optionally `/step`, stands for. */
function expand(
  field: string,
  min: number,
  max: number,
  name: string,
  fail: (why: string) => never,
  names?: string[],
): Set<number> {
  const value = (token: string): number => {
    const index = names?.indexOf(token.toUpperCase()) ?? -1;
    const n = index >= 0 ? index + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= min && n <= max)) fail(`${name} value ${token} is not within ${min}-${max}.`);
    return n;
  };
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) fail(`${name} field "${field}" is not valid.`);
    const [, range, stepText] = match as unknown as [string, string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`${name} step must be positive.`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = value(a);
      to = value(b);
      if (from > to) fail(`${name} range ${range} runs backwards.`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of `date` in `timeZone`. */
export function zonedParts(date: Date, timeZone: string): ZonedParts {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(date)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
  };
}

/** The instant when the wall clock in `timeZone` reads `local` (yyyy-mm-ddThh:mm:ss). */
export function zonedToInstant(local: string, timeZone: string): Date {
  const [date, time = '00:00:00'] = local.split('T') as [string, string?];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const offsetAt = (instant: number): number => {
    const p = zonedParts(new Date(instant), timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - instant;
  };
  const first = wall - offsetAt(wall);
  const second = wall - offsetAt(first);
  return new Date(second);
}

import type { EventPattern, PatternValue } from '../../../functions/app/types.ts';

/**
 * EventBridge event patterns, which Lambda event filtering (SQS, DynamoDB streams) shares.
 *
 * Semantics, as documented for EventBridge and implemented by AWS's event-ruler:
 * - every field of the pattern must match (AND); the array under a field lists alternatives (OR);
 * - a pattern value matches a *leaf* of the event (string, number, boolean, null); when the event's
 *   field is an array, the field matches when any of its elements does;
 * - a nested pattern object matches a nested event object (or any object element of an array);
 * - strings and numbers never equal each other ("5" is not 5); numbers compare by value (3.018e2
 *   is 301.8);
 * - `exists` is about leaves: an object or an empty array is not a leaf, so `exists: true` fails
 *   on it and `exists: false` passes;
 * - `anything-but`, `prefix` and `numeric` need the field to be there: a missing field fails them.
 */
export class InvalidPatternError extends Error {
  override name = 'InvalidPatternError';
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesObject(pattern, isObject(event) ? event : undefined);
}

function matchesObject(pattern: EventPattern, object: Record<string, unknown> | undefined): boolean {
  for (const [field, expected] of Object.entries(pattern)) {
    const value = object && Object.hasOwn(object, field) ? object[field] : undefined;
    const ok = Array.isArray(expected) ? matchesField(expected, value) : matchesNested(expected, value);
    if (!ok) return false;
  }
  return true;
}

function matchesNested(pattern: EventPattern, value: unknown): boolean {
  const objects = objectsIn(value);
  // With no object here, only the pattern's "does not exist" conditions can hold.
  if (objects.length === 0) return matchesObject(pattern, undefined);
  return objects.some((object) => matchesObject(pattern, object));
}

function objectsIn(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  return isObject(value) ? [value] : [];
}

function leavesOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isObject(value) ? [] : [value];
}

function matchesField(alternatives: PatternValue[], value: unknown): boolean {
  const leaves = leavesOf(value);
  return alternatives.some((alternative) => {
    if (isObject(alternative) && 'exists' in alternative) return leaves.length > 0 === alternative.exists;
    return leaves.some((leaf) => matchesLeaf(alternative, leaf));
  });
}

function matchesLeaf(expected: PatternValue, leaf: unknown): boolean {
  if (!isObject(expected)) return leaf === expected;
  if ('prefix' in expected) return typeof leaf === 'string' && leaf.startsWith(expected.prefix);
  if ('numeric' in expected) return typeof leaf === 'number' && inRange(expected.numeric, leaf);
  if ('anything-but' in expected) {
    const excluded = expected['anything-but'];
    if (isObject(excluded)) return !(typeof leaf === 'string' && leaf.startsWith(excluded.prefix));
    return Array.isArray(excluded) ? !excluded.includes(leaf as string | number) : leaf !== excluded;
  }
  return false;
}

function inRange(conditions: Array<string | number>, value: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const bound = conditions[i + 1] as number;
    switch (conditions[i]) {
      case '=':
        if (!(value === bound)) return false;
        break;
      case '<':
        if (!(value < bound)) return false;
        break;
      case '<=':
        if (!(value <= bound)) return false;
        break;
      case '>':
        if (!(value > bound)) return false;
        break;
      case '>=':
        if (!(value >= bound)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Throws InvalidPatternError naming the offending path when `pattern` is not a valid pattern. */
export function validatePattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isObject(pattern) || Object.keys(pattern).length === 0)
    throw new InvalidPatternError('An event pattern must be a non-empty JSON object.');
  validateObject(pattern as Record<string, Json>, '');
}

function validateObject(pattern: Record<string, Json>, path: string): void {
  for (const [field, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${field}` : field;
    if (field.startsWith('$'))
      throw new InvalidPatternError(`${at}: the ${field} operator is not supported by the local bus.`);
    if (Array.isArray(value)) {
      if (value.length === 0) throw new InvalidPatternError(`${at}: an empty array matches nothing.`);
      value.forEach((item, i) => {
        validateValue(item, `${at}[${i}]`);
      });
    } else if (isObject(value)) {
      if (Object.keys(value).length === 0) throw new InvalidPatternError(`${at}: an empty object.`);
      validateObject(value, at);
    } else {
      throw new InvalidPatternError(`${at}: must be an array of values or a nested pattern object.`);
    }
  }
}

function validateValue(value: Json, at: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidPatternError(`${at}: not a finite number.`);
    return;
  }
  if (Array.isArray(value)) throw new InvalidPatternError(`${at}: arrays cannot nest in a pattern.`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new InvalidPatternError(`${at}: a matcher has exactly one operator.`);
  const [operator] = keys as [string];
  const operand = value[operator] as Json;
  switch (operator) {
    case 'prefix':
      if (typeof operand !== 'string') throw new InvalidPatternError(`${at}: prefix takes a string.`);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidPatternError(`${at}: exists takes true or false.`);
      return;
    case 'numeric':
      validateNumeric(operand, at);
      return;
    case 'anything-but':
      validateAnythingBut(operand, at);
      return;
    default:
      throw new InvalidPatternError(`${at}: unsupported operator ${operator}.`);
  }
}

function validateAnythingBut(operand: Json, at: string): void {
  if (typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand))) return;
  if (Array.isArray(operand)) {
    const strings = operand.every((v) => typeof v === 'string');
    const numbers = operand.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (operand.length > 0 && (strings || numbers)) return;
    throw new InvalidPatternError(
      `${at}: anything-but takes a non-empty list of only strings or only numbers.`,
    );
  }
  if (isObject(operand) && Object.keys(operand).length === 1 && typeof operand.prefix === 'string') return;
  throw new InvalidPatternError(`${at}: anything-but takes a string, a number, a list or {prefix}.`);
}

function validateNumeric(operand: Json, at: string): void {
  const fail = (why: string): never => {
    throw new InvalidPatternError(`${at}: numeric ${why}.`);
  };
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0)
    fail('takes pairs of an operator and a number');
  const pairs: Array<[string, number]> = [];
  for (let i = 0; i < (operand as Json[]).length; i += 2) {
    const op = (operand as Json[])[i];
    const bound = (operand as Json[])[i + 1];
    if (typeof op !== 'string' || !['=', '<', '<=', '>', '>='].includes(op)) fail(`has an unknown operator`);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) fail('compares with numbers only');
    pairs.push([op as string, bound as number]);
  }
  if (pairs.some(([op]) => op === '=')) {
    if (pairs.length !== 1) fail('"=" cannot be combined with other operators');
    return;
  }
  const lower = pairs.filter(([op]) => op === '>' || op === '>=');
  const upper = pairs.filter(([op]) => op === '<' || op === '<=');
  if (lower.length > 1 || upper.length > 1) fail('has at most one lower and one upper bound');
  if (lower[0] && upper[0] && !(lower[0][1] < upper[0][1])) fail('range is empty');
}

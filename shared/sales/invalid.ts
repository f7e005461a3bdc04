import { type FieldIssue, ValidationError } from '../platform/errors.ts';

/** 400 for several fields at once; with a single field, its message is the problem's detail. */
export function invalid(issues: FieldIssue[]): ValidationError {
  return new ValidationError(issues, issues.length === 1 ? issues[0]!.message : undefined);
}

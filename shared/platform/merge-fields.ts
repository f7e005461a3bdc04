import { ownValue } from './own.ts';

/**
 * Merge fields in templates (mail subjects and bodies, task titles and descriptions):
 * `{{firstName}}`, `{{invoice.number}}`, and with a fallback for empty values
 * `{{firstName | "there"}}`. A template is checked against the fields its context offers when it
 * is saved, so an unknown field is a 400 then, not a broken mail later.
 */
const FIELD_SOURCE = String.raw`\{\{\s*([A-Za-z]\w*(?:\.[A-Za-z]\w*)*)\s*(?:\|\s*"((?:[^"\\]|\\.)*)"\s*)?\}\}`;
const FIELD = new RegExp(FIELD_SOURCE, 'g');
const WHOLE_FIELD = new RegExp(`^${FIELD_SOURCE}$`);
const ANY_BRACES = /\{\{[\s\S]*?\}\}/g;

export interface TemplateProblem {
  message: string;
  field?: string;
}

/** The merge fields a template uses, in order of first use. */
export function mergeFieldsOf(template: string): string[] {
  return [...new Set([...template.matchAll(FIELD)].map((m) => m[1]!))];
}

/** What is wrong with a template given the fields available; empty when it is fine. */
export function checkTemplate(template: string, available: Iterable<string>): TemplateProblem[] {
  const allowed = new Set(available);
  const problems: TemplateProblem[] = [];
  for (const braces of template.match(ANY_BRACES) ?? []) {
    if (!WHOLE_FIELD.test(braces))
      problems.push({ message: `${braces} is not a merge field: write {{name}} or {{name | "fallback"}}.` });
  }
  for (const field of mergeFieldsOf(template)) {
    if (!allowed.has(field)) {
      problems.push({
        field,
        message: `Unknown merge field {{${field}}}; available: ${[...allowed].sort().join(', ')}.`,
      });
    }
  }
  return problems;
}

export type MergeValues = Record<string, unknown>;

function lookup(values: MergeValues, path: string): unknown {
  let current: unknown = values;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = ownValue(current as Record<string, unknown>, part);
  }
  return current;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Renders a template; values are HTML-escaped for `html` output, left as they are for `text`. */
export function renderTemplate(template: string, values: MergeValues, output: 'text' | 'html'): string {
  return template.replace(FIELD, (_, path: string, fallback: string | undefined) => {
    const value = lookup(values, path);
    const text =
      value === undefined || value === null || value === ''
        ? (fallback?.replace(/\\(.)/g, '$1') ?? '')
        : String(value);
    return output === 'html' ? escapeHtml(text) : text;
  });
}

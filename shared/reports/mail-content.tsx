import { renderEmail } from '../platform/pages/email.tsx';
import type { ReportResult } from './schema.ts';

/**
 * The email of a scheduled report: the chart (an inline attachment, `cid:chart`), the first rows
 * as a table, and a word on the attached CSV that holds them all. Built with the pages' engine,
 * so every value (a report's name, a label a member typed) is escaped by the renderer.
 */
export const TABLE_ROWS = 40;

const CELL = { padding: '4px 8px', textAlign: 'left' } as const;

/** A cell as a reader reads it: the label of an id, money in major units, a ratio in percent. */
export function cellText(result: ReportResult, column: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  const label = result.labels[column]?.[String(value)];
  if (label) return label;
  const unit = result.columns.find((c) => c.name === column)?.unit;
  if (unit === 'money' && typeof value === 'number') return `${(value / 100).toFixed(2)} ${result.currency}`;
  if (unit === 'ratio' && typeof value === 'number') return `${(value * 100).toFixed(1)} %`;
  return String(value);
}

export function reportEmailHtml(options: {
  name: string;
  result: ReportResult;
  description: string;
  brand: string;
  footer: string[];
  lang: string;
}): string {
  const { name, result, description } = options;
  const rows = result.rows.slice(0, TABLE_ROWS);
  const more = result.rows.length - rows.length;
  return renderEmail({
    lang: options.lang,
    brand: options.brand,
    footer: options.footer,
    children: (
      <>
        <h1 style={{ fontSize: '18px' }}>{name}</h1>
        <p>
          {result.title}, {result.period.from} to {result.period.to} ({result.period.timeZone}). {description}
        </p>
        <p>
          <img src="cid:chart" alt={result.title} width="800" height="400" style={{ maxWidth: '100%' }} />
        </p>
        <table style={{ borderCollapse: 'collapse', fontSize: '13px' }}>
          <thead>
            <tr>
              {result.columns.map((c) => (
                <th style={CELL}>{c.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                {result.columns.map((c) => (
                  <td style={CELL}>{cellText(result, c.name, row[c.name])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p>{more > 0 ? `${more} more rows are in the attached CSV.` : 'The attached CSV holds every row.'}</p>
      </>
    ),
  });
}

import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../bench/table.ts';

describe('the printed table', () => {
  it('pads text columns to the left and figures to the right', () => {
    expect(
      renderTable(
        ['Case', 'Measure', 'Ratio'],
        [
          ['read', 'p50', '1.10×'],
          ['write', 'p50 of many', '12.00×'],
        ],
      ),
    ).toBe(
      [
        'Case   Measure       Ratio',
        '-----  -----------  ------',
        'read   p50           1.10×',
        'write  p50 of many  12.00×',
      ].join('\n'),
    );
  });
});

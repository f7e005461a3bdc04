import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { restoreCell, safeCell, toCsv } from '../../../shared/platform/csv.ts';

describe('the CSV writer', () => {
  it('writes every cell a spreadsheet would run as a formula as text', () => {
    for (const text of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '  =1+1', ' @x', '-', '+'])
      expect(safeCell(text), JSON.stringify(text)).toBe(`'${text}`);
  });

  it('leaves other text, numbers and numeric text as they are, negative ones included', () => {
    for (const text of ['Ada', 'a=b', 'x-1', ' plain', '', "'quoted"]) expect(safeCell(text)).toBe(text);
    expect(safeCell(-12.5)).toBe(-12.5);
    expect(safeCell(0)).toBe(0);
    for (const text of ['-12.50', '+33612345678', '-1e3', '.5', '+7']) expect(safeCell(text)).toBe(text);
    expect(safeCell(true)).toBe('true');
    expect(safeCell(null)).toBe('');
    expect(safeCell(undefined)).toBe('');
    expect(safeCell(Number.NaN)).toBe('');
  });

  it('produces a file whose cells read back as written, and restores them on import', async () => {
    const rows = [
      ['Name', 'Balance', 'Note'],
      ['=HYPERLINK("https://evil.example","x")', -250, 'said "hi",\nthen left'],
      ['Ada', '-3', '@home'],
    ];
    const read = parse(await toCsv(rows)) as string[][];
    expect(read).toEqual([
      ['Name', 'Balance', 'Note'],
      ['\'=HYPERLINK("https://evil.example","x")', '-250', 'said "hi",\nthen left'],
      ['Ada', '-3', "'@home"],
    ]);
    expect(read.map((row) => row.map(restoreCell))).toEqual(rows.map((row) => row.map(String)));
  });

  it('restores only what it neutralised', () => {
    expect(restoreCell("'=1")).toBe('=1');
    expect(restoreCell("'  @x")).toBe('  @x');
    expect(restoreCell("'quoted")).toBe("'quoted");
    expect(restoreCell("''=1")).toBe("''=1");
  });
});

describe('CSV exports', () => {
  it('all go through the shared writer: no other module writes CSV itself', () => {
    const sources = ['shared', 'functions'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(dir, file)),
    );
    const writers = sources.filter((file) =>
      /(from |import\()'csv-stringify/.test(readFileSync(file, 'utf8')),
    );
    expect(writers).toEqual([join('shared', 'platform', 'csv.ts')]);
  });
});

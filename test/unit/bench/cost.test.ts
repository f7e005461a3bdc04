import { describe, expect, it } from 'vitest';
import { inputsFrom, monthlyCost, PRICES, renderCost, TYPICAL, total } from '../../../bench/cost.ts';
import type { HistoryRow } from '../../../bench/history.ts';
import { renderSideBySide } from '../../../bench/side-by-side.ts';

function run(at: string, values: Record<string, number>): HistoryRow {
  return { at, commit: 'abc1234', seconds: 60, quick: false, load: [0.4, 0.6], cores: 2, values };
}

describe('the cost model', () => {
  it('prices with the latest recorded figure of each input and says which run measured it', () => {
    const history = [
      run('2026-12-01T10:00:00.000Z', { 'capacity.createContact.totalWcu': 16 }),
      run('2026-12-03T10:00:00.000Z', { 'capacity.createContact.totalWcu': 5 }),
    ];
    const inputs = inputsFrom(history);
    expect(inputs.createWcu).toEqual({
      value: 5,
      measured: { at: '2026-12-03T10:00:00.000Z', commit: 'abc1234' },
    });
    expect(inputs.readRcu.measured).toBeUndefined();
    const section = renderCost(history);
    expect(section).toContain(
      '| 5 | measured: `capacity.createContact.totalWcu`, run of 2026-12-03 (abc1234) |',
    );
    expect(section).toContain('assumed (`capacity.getContact.rcu` not recorded yet)');
  });

  it('makes fewer write units per create a cheaper tenant', () => {
    const heavy = total(
      monthlyCost(
        TYPICAL,
        inputsFrom([run('2026-12-01T10:00:00.000Z', { 'capacity.createContact.totalWcu': 16 })]),
      ),
    );
    const light = total(
      monthlyCost(
        TYPICAL,
        inputsFrom([run('2026-12-01T10:00:00.000Z', { 'capacity.createContact.totalWcu': 6 })]),
      ),
    );
    expect(light).toBeLessThan(heavy);
  });

  it('grows linearly with emails: the SES line is the list price times the emails', () => {
    const inputs = inputsFrom([]);
    const ses = (emails: number) =>
      monthlyCost({ ...TYPICAL, emailsPerMonth: emails }, inputs).find((l) => l.service === 'SES')!.usd;
    expect(ses(20_000)).toBeCloseTo((20_000 / 1000) * PRICES.sesPer1000);
    const base = total(monthlyCost(TYPICAL, inputs));
    const twice = total(monthlyCost({ ...TYPICAL, emailsPerMonth: 40_000 }, inputs));
    const thrice = total(monthlyCost({ ...TYPICAL, emailsPerMonth: 60_000 }, inputs));
    expect(thrice - twice).toBeCloseTo(twice - base);
  });

  it('states the prices it uses, their region and date', () => {
    const section = renderCost([]);
    expect(section).toContain(`On-demand list prices of us-east-1 as published on ${PRICES.asOf}`);
  });
});

describe('the side-by-side', () => {
  it("labels the peer's figures as another run and shows the harness's own from the history", () => {
    const before = renderSideBySide([]);
    expect(before).toContain('Measured in another run (issue 21), not by this harness');
    expect(before).toContain('| 14.0 / 59.7 | 56.2 / 142.3 | 4.0× | not recorded yet |');
    const after = renderSideBySide([
      run('2026-12-03T10:00:00.000Z', {
        'stack.create.p50.ms': 9.5,
        'stack.create.p99.ms': 30.25,
        'stack.read.p50.ms': 3.1,
        'stack.read.p99.ms': 12,
        'stack.memory.rest.MiB': 350,
        'stack.memory.after.MiB': 600,
      }),
    ]);
    expect(after).toContain('| 14.0 / 59.7 | 56.2 / 142.3 | 4.0× | 9.5 / 30.3 |');
    expect(after).toContain('| 3.7 / 18.6 | 29.2 / 94.9 | 7.9× | 3.1 / 12.0 |');
    expect(after).toContain('350 / 600 (node and DynamoDB Local)');
  });
});

import type { Case } from '../case.ts';
import { issueInvoice, signUp, type TenantData } from '../dataset.ts';
import { inParallel } from '../progress.ts';
import { clonePaidInvoices } from '../seed.ts';
import { ratio } from '../stats.ts';

/**
 * The dunning sweep's scaling: the read capacity one tenant's sweep consumes with 25 overdue
 * invoices among 10,000 paid ones, against 25 overdue among 100 paid (docs/invoicing.md, "Cost of
 * the sweep"). The sweep reads the sparse index of unpaid invoices only, so the two must cost the
 * same. Each tenant's own per-tenant schedule runs the job, on the same date, through the local
 * scheduler; the job reports the capacity it consumed.
 */
// Counted, not timed: the units are the same on every run, so smaller volumes lose nothing (100
// overdue among 100,000 paid gave the same 1.00 as 100 among 10,000); the sweep sends a notice for
// each overdue invoice, and that is where the case spends its time.
const OVERDUE = 25;

interface SweepResult {
  examined: number;
  noticesSent: number;
  capacity: { read: number; write: number };
}

export const dunningCase: Case = {
  id: 'dunning',
  title: 'Dunning sweep',
  async run({ runtime, raw, tableName, progress, quick }) {
    const histories = { small: 100, large: quick ? 2_000 : 10_000 };
    const today = new Date();
    const day = (offset: number) =>
      new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const tenants = {} as Record<keyof typeof histories, TenantData>;
    const setupRequests = 2 * (2 + 2 * OVERDUE + 3);
    await progress.run('dunning: overdue and paid invoices', setupRequests, async (phase) => {
      for (const size of ['small', 'large'] as const) {
        const tenant = await signUp(runtime, `dunning-${size}`);
        const contact = await tenant.api.expect(201, 'POST', '/v1/contacts', {
          firstName: 'Grace',
          lastName: 'Hopper',
          email: `grace@customer-${size}.example`,
          lifecycleStage: 'customer',
        });
        phase.tick(2);
        const issue = async (issueDate: string, dueDate: string) => {
          const draft = await tenant.api.expect(201, 'POST', '/v1/invoices', {
            contactId: contact.json.id,
            lines: [{ description: 'Consulting', quantity: 1, unitAmount: 125_000, taxRateBps: 2000 }],
            issueDate,
            dueDate,
          });
          const issued = await issueInvoice(tenant.api, String(draft.json.id));
          phase.tick(2);
          return issued.json;
        };
        await inParallel(Array.from({ length: OVERDUE }), 4, () => issue(day(-40), day(-10)));
        const paid = await issue(day(-60), day(-30));
        await tenant.api.expect(201, 'POST', `/v1/invoices/${paid.id}/payments`, {
          amount: paid.total,
          method: 'bank_transfer',
        });
        phase.tick();
        tenant.invoices = [paid.id];
        tenants[size] = tenant;
      }
    });
    for (const size of ['small', 'large'] as const) {
      const copies = histories[size] - 1;
      await progress.run(`dunning: ${histories[size].toLocaleString('en')} paid invoices`, copies, (phase) =>
        clonePaidInvoices(raw, tableName, tenants[size].tenantId, tenants[size].invoices[0]!, copies, phase),
      );
    }
    await runtime.settle();
    // Imported once the runtime has set the environment the scheduler client reads.
    const { tenantScheduleName } = await import('../../shared/platform/tenant-schedules.ts');
    const asOf = today.toISOString();
    const sweeps = await progress.run('dunning: one sweep per tenant', 2, async (phase) => {
      const sweep = async (size: keyof typeof histories) => {
        const started = performance.now();
        const runs = await runtime.scheduler.runNow(
          tenantScheduleName('dunning-sweep', tenants[size].tenantId),
          {
            asOf,
          },
        );
        const run = runs[0];
        if (!run?.ok) throw new Error(`The ${size} tenant's sweep failed: ${run?.error}`);
        phase.tick();
        return { ...(run.result as SweepResult), ms: performance.now() - started };
      };
      return { small: await sweep('small'), large: await sweep('large') };
    });
    for (const size of ['small', 'large'] as const) {
      if (sweeps[size].examined !== OVERDUE || sweeps[size].noticesSent !== OVERDUE)
        throw new Error(`The ${size} sweep examined ${sweeps[size].examined} invoices, expected ${OVERDUE}.`);
    }
    const readRatio = ratio(sweeps.large.capacity.read, sweeps.small.capacity.read);
    const label = (size: keyof typeof histories) => `${histories[size].toLocaleString('en')} paid`;
    return {
      id: 'dunning',
      title: 'Dunning sweep',
      rows: [
        {
          measure: `${OVERDUE} overdue among ${label('large')} vs among ${label('small')}: RCU`,
          funnel: `${sweeps.large.capacity.read} RCU`,
          floor: `${sweeps.small.capacity.read} RCU`,
          ratio: readRatio,
          metric: 'dunning.readRatio',
        },
        {
          measure: `${OVERDUE} overdue among ${label('large')} vs among ${label('small')}: WCU`,
          funnel: `${sweeps.large.capacity.write} WCU`,
          floor: `${sweeps.small.capacity.write} WCU`,
          ratio: ratio(sweeps.large.capacity.write, sweeps.small.capacity.write),
        },
      ],
      metrics: { 'dunning.readRatio': readRatio },
      details: { overdue: OVERDUE, histories, sweeps },
    };
  },
};

import './environment.ts';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort } from '../infra/local/ports.ts';
import { REPO_ROOT, startLocalRuntime } from '../infra/local/runtime.ts';
import { checkBudgets, describeBudget, parseBudgets, type Verdict } from './budgets.ts';
import type { Bench, Case, CaseResult, StandaloneCase } from './case.ts';
import { scoringCase } from './cases/analytics.ts';
import { campaignCase } from './cases/campaign.ts';
import { capacityCase } from './cases/capacity.ts';
import { coldStartCase } from './cases/cold-start.ts';
import { consoleCase } from './cases/console.ts';
import { dunningCase } from './cases/dunning.ts';
import { listCase } from './cases/list.ts';
import { loadCase } from './cases/load.ts';
import { readCase } from './cases/read.ts';
import { stackCase } from './cases/stack.ts';
import { ingestCase, reportSpeedCase } from './cases/warehouse.ts';
import { webhookLatencyCase, webhookThroughputCase } from './cases/webhooks.ts';
import { writeCase } from './cases/write.ts';
import { type DataSet, FULL, loadDataSet, QUICK } from './dataset.ts';
import { historyRow, PATHS, wasBusy } from './history.ts';
import { describeMachine, findDynamoDbLocal } from './machine.ts';
import { CapacityMeter } from './meter.ts';
import { Progress } from './progress.ts';
import { median } from './stats.ts';
import { renderTable } from './table.ts';

/**
 * npm run bench [-- --check] [-- --record] [-- --quick] [-- --only read,write]
 *
 * The `stack` case runs first and alone: it measures `npm start` itself, in processes of its own.
 *
 * Starts the whole CRM in memory (DynamoDB Local, SES emulator, local bus, scheduler, queues and
 * stream poller, all in this process but DynamoDB), loads its own data set through the API, runs
 * each case after a warm-up next to its floor measured in the same run, prints a table and writes
 * bench/results.json. With --check it exits non-zero when a budget of bench/budgets.json is not met;
 * with --record it appends the run's budgeted figures to bench/history.jsonl (npm run bench:docs
 * then shows them in docs/performance.md).
 * docs/performance.md explains each case and the latest figures.
 */
const CASES: Array<Case | StandaloneCase> = [
  stackCase,
  readCase,
  writeCase,
  listCase,
  capacityCase,
  loadCase,
  coldStartCase,
  dunningCase,
  campaignCase,
  webhookLatencyCase,
  webhookThroughputCase,
  reportSpeedCase,
  ingestCase,
  consoleCase,
  scoringCase,
];

const { values: options } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

const BENCH_DIR = join(REPO_ROOT, 'bench');

async function main(): Promise<number> {
  const started = new Date();
  const machineAtStart = describeMachine();
  // Taken now: the worktree may change while a long run measures what it built at the start.
  const commit = commitMeasured();
  const only = options.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((id) => !CASES.some((c) => c.id === id)) ?? [];
  if (unknown.length)
    throw new Error(`Unknown case ${unknown.join(', ')}; cases: ${CASES.map((c) => c.id).join(', ')}.`);
  const selected = CASES.filter((c) => !only || only.includes(c.id));
  const budgets = parseBudgets(JSON.parse(readFileSync(join(BENCH_DIR, 'budgets.json'), 'utf8')));
  console.log(
    `Funnel CRM benchmark on ${machineAtStart.cpu} (${machineAtStart.cores} cores, load ${machineAtStart.loadAverage.join(' ')}), Node ${machineAtStart.node}${options.quick ? ', --quick' : ''}`,
  );
  if (machineAtStart.loadAverage[0]! > machineAtStart.cores)
    console.warn('The machine is busy: ratios stay meaningful, absolute times will be noisy.');

  const progress = new Progress();
  const results: CaseResult[] = [];
  // Cases with a CRM of their own run first, alone on the machine.
  for (const c of selected.filter((c): c is StandaloneCase => 'standalone' in c)) {
    results.push(await runCase(c, () => c.run({ progress, quick: options.quick, budgets })));
  }
  const inRuntime = selected.filter((c): c is Case => !('standalone' in c));
  if (inRuntime.length) await runInRuntime(inRuntime, progress, budgets, results);
  return report(started, machineAtStart, commit, only, budgets, results);
}

/** Runs a case; a failing case must not cost the figures of the others: it is reported and the run fails. */
async function runCase(c: Case | StandaloneCase, run: () => Promise<CaseResult>): Promise<CaseResult> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 1000);
  try {
    return { ...(await run()), seconds: seconds() };
  } catch (error) {
    console.error(`\nThe ${c.id} case failed:`, error);
    return { id: c.id, title: c.title, rows: [], metrics: {}, failed: String(error), seconds: seconds() };
  }
}

async function runInRuntime(
  selected: Case[],
  progress: Progress,
  budgets: ReturnType<typeof parseBudgets>,
  results: CaseResult[],
): Promise<void> {
  const [port, sesPort, awsPort, s3Port, dynamodbPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const runtime = await progress.run('Starting the CRM in memory', 1, async (phase) => {
    const started = await startLocalRuntime({
      dataDir: null,
      port,
      sesPort,
      awsPort,
      s3Port,
      dynamodbPort,
      tableName: 'funnel-bench',
      seedDemoTenant: false,
      logLevel: 'SILENT',
      // The send rate the campaign case is configured with (an SES account's MaxSendRate).
      sesMaxSendRate: 500,
      // The harness signs up every tenant from this one address: sign-up limits would stop it.
      rateLimits: false,
    });
    phase.tick();
    return started;
  });
  try {
    // Imported only now: the client module reads the table name the runtime has just set.
    const { db, tableName } = await import('../shared/platform/db/client.ts');
    let data: Promise<DataSet> | undefined;
    const bench: Bench = {
      runtime,
      dataSet: () => {
        data ??= loadDataSet(runtime, options.quick ? QUICK : FULL, progress).then(async (loaded) => {
          await runtime.settle();
          return loaded;
        });
        return data;
      },
      raw: new DynamoDBClient({}),
      tableName,
      databasePid: findDynamoDbLocal(dynamodbPort),
      meter: new CapacityMeter(db),
      progress,
      budgets,
      quick: options.quick,
    };
    // Every function's durations over the run: the cost model prices Lambda with them.
    const durations = new Map<string, number[]>();
    // Invocations that failed during a case: a case feeding consumers events they cannot act on
    // measures their retries and backoff, not the path it means to (the webhook case once did).
    let failures = new Map<string, number>();
    runtime.lambda.onInvocation(({ function: name, ok, durationMs }) => {
      if (!ok) {
        failures.set(name, (failures.get(name) ?? 0) + 1);
        return;
      }
      const list = durations.get(name) ?? [];
      list.push(durationMs);
      durations.set(name, list);
    });
    for (const c of selected) {
      failures = new Map();
      const result = await runCase(c, async () => {
        const ran = await c.run(bench);
        await runtime.settle();
        return ran;
      });
      if (failures.size) {
        const failed = Object.fromEntries(failures);
        console.warn(`The ${c.id} case made functions fail (invocations): ${JSON.stringify(failed)}`);
        result.details = { ...(result.details as object | undefined), failedInvocations: failed };
      }
      results.push(result);
    }
    results.push({
      id: 'invocations',
      title: 'Function durations',
      rows: [],
      metrics: Object.fromEntries(
        [...durations].map(([name, list]) => [`invocations.${name}.p50Ms`, median(list)]),
      ),
    });
    bench.raw.destroy();
  } finally {
    await runtime.stop();
  }
}

async function report(
  started: Date,
  machineAtStart: ReturnType<typeof describeMachine>,
  commit: string,
  only: string[] | undefined,
  budgets: ReturnType<typeof parseBudgets>,
  results: CaseResult[],
): Promise<number> {
  const metrics = Object.assign({}, ...results.map((r) => r.metrics));
  const skipped = [
    ...CASES.filter((c) => !results.some((r) => r.id === c.id)).flatMap(prefixes),
    ...results.filter((r) => r.skipped).flatMap((r) => prefixes(CASES.find((c) => c.id === r.id)!)),
  ];
  // Quiet: a load average under 0.75 a core when the stack case began its first start (or when the
  // harness started, without that case); npm test beside the bench keeps it above 1 a core.
  const busy = wasBusy({
    values: metrics,
    load: [machineAtStart.loadAverage[0]!, 0],
    cores: machineAtStart.cores,
  });
  const verdicts = checkBudgets(budgets, metrics, skipped, busy);
  console.log(`\n${table(results, verdicts)}\n`);
  for (const r of results.filter((r) => r.skipped)) console.log(`Skipped ${r.id}: ${r.skipped}`);
  // The first case that needs the data set (read, in a full run) includes its loading.
  console.log(
    `Seconds per case: ${results
      .filter((r) => r.seconds !== undefined)
      .map((r) => `${r.id} ${r.seconds}`)
      .join(', ')}`,
  );
  const failed = verdicts.filter((v) => v.status === 'over' || v.status === 'not measured');
  for (const v of verdicts.filter((v) => v.status === 'accepted'))
    console.log(
      `Target missed, within the accepted limit: ${v.metric} = ${round(v.value!)} (${describeBudget(v.budget)}): ${v.budget.accepted!.because}`,
    );
  for (const v of verdicts.filter((v) => v.status === 'busy machine'))
    console.log(
      `Missed on a busy machine (held only on a quiet one): ${v.metric} = ${round(v.value!)} (${describeBudget(v.budget)})`,
    );
  for (const v of failed)
    console.log(
      `Over budget: ${v.metric} = ${v.value === undefined ? 'not measured' : round(v.value)} (${describeBudget(v.budget)}): ${v.budget.why}`,
    );

  const output = {
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    quick: options.quick,
    machine: { ...machineAtStart, loadAverageAtEnd: describeMachine().loadAverage },
    metrics,
    budgets: verdicts.map((v) => ({
      metric: v.metric,
      value: v.value,
      budget: describeBudget(v.budget),
      status: v.status,
    })),
    cases: results,
  };
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
  console.log(`Results written to bench/results.json (${output.durationSeconds} s).`);
  if (options.record) {
    const row = historyRow(
      {
        at: output.startedAt,
        commit,
        seconds: output.durationSeconds,
        quick: options.quick,
        ...(only ? { only } : {}),
        load: [output.machine.loadAverage[0]!, output.machine.loadAverageAtEnd[0]!],
        cores: output.machine.cores,
        caseSeconds: Object.fromEntries(
          results.filter((r) => r.seconds !== undefined).map((r) => [r.id, r.seconds!]),
        ),
        ...(results.some((r) => r.failed)
          ? { failed: results.filter((r) => r.failed).map((r) => r.id) }
          : {}),
      },
      metrics,
      budgets,
    );
    appendFileSync(PATHS.history, `${JSON.stringify(row)}\n`);
    console.log('Recorded in bench/history.jsonl: npm run bench:docs shows it in docs/performance.md.');
  }
  const broken = results.filter((r) => r.failed);
  if (broken.length) {
    console.log(`Failed: ${broken.map((r) => r.id).join(', ')} (the error is printed above).`);
    return 2;
  }
  if (options.check) {
    console.log(
      failed.length ? `--check: ${failed.length} budget(s) not met.` : '--check: every budget is met.',
    );
    return failed.length ? 1 : 0;
  }
  return 0;
}

/** The commit the run measured, marked `+` when the worktree had uncommitted changes. */
function commitMeasured(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+' : ''}`;
  } catch {
    return 'unknown';
  }
}

function prefixes(c: Case | StandaloneCase): string[] {
  return [c.id, ...(c.alsoReports ?? [])].map((prefix) => `${prefix}.`);
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

const VERDICTS: Record<Verdict['status'], string> = {
  pass: 'ok',
  accepted: 'target missed',
  over: 'OVER',
  'not measured': 'not measured',
  'busy machine': 'missed, busy machine',
};

function table(results: CaseResult[], verdicts: Verdict[]): string {
  const byMetric = new Map(verdicts.map((v) => [v.metric, v]));
  const rows = results.flatMap((r) =>
    r.skipped || r.failed
      ? [
          [
            r.title,
            r.skipped ? `skipped: ${r.skipped}` : `FAILED: ${r.failed!.split('\n')[0]}`,
            '',
            '',
            '',
            '',
            '',
          ],
        ]
      : r.rows.map((row) => {
          const verdict = row.metric ? byMetric.get(row.metric) : undefined;
          return [
            r.title,
            row.measure,
            row.funnel,
            row.floor ?? '',
            row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
            verdict ? describeBudget(verdict.budget) : '',
            verdict ? VERDICTS[verdict.status] : '',
          ];
        }),
  );
  return renderTable(['Case', 'Measure', 'Funnel', 'Floor', 'Ratio', 'Budget', 'Verdict'], rows);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);

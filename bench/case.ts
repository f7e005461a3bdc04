import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalRuntime } from '../infra/local/runtime.ts';
import type { Budget, Metrics } from './budgets.ts';
import type { DataSet } from './dataset.ts';
import type { CapacityMeter } from './meter.ts';
import type { Progress } from './progress.ts';

/** What every case gets: the running CRM, its data, a raw SDK client for floors, the meter. */
export interface Bench {
  runtime: LocalRuntime;
  /** The data set, loaded (and settled) by the first case that asks for it. */
  dataSet(): Promise<DataSet>;
  /** The harness's own low-level client: floors are plain SDK calls, with no product code. */
  raw: DynamoDBClient;
  tableName: string;
  /** The DynamoDB Local process (Linux only), to tell a busy machine from a slow product. */
  databasePid: number | undefined;
  meter: CapacityMeter;
  progress: Progress;
  /** bench/budgets.json: a case takes more rounds where noise could flip a verdict. */
  budgets: readonly Budget[];
  /** `--quick`: fewer samples and smaller volumes, to try the harness out (figures are rougher). */
  quick: boolean;
}

/** One line of the printed table. `ratio` is always the product's figure divided by its floor. */
export interface Row {
  measure: string;
  funnel: string;
  floor?: string;
  ratio?: number;
  /** The metric a budget may cover. */
  metric?: string;
}

export interface CaseResult {
  id: string;
  title: string;
  rows: Row[];
  metrics: Metrics;
  /** Everything measured, for results.json. */
  details?: unknown;
  /** Why the case did not run. */
  skipped?: string;
  /** The error that stopped the case: its budgets then count as not measured. */
  failed?: string;
  /** Wall-clock seconds the case took, its settling included (set by the harness). */
  seconds?: number;
}

export interface Case {
  id: string;
  title: string;
  /** Metric prefixes it reports besides its id's (so `--only` knows which budgets it leaves out). */
  alsoReports?: string[];
  run(bench: Bench): Promise<CaseResult>;
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;

/**
 * A case that measures a CRM of its own (the whole stack as `npm start` runs it): it runs before
 * the harness starts its in-memory runtime, which would otherwise share the cores with it.
 */
export interface StandaloneCase {
  id: string;
  title: string;
  standalone: true;
  alsoReports?: string[];
  run(bench: Pick<Bench, 'progress' | 'quick' | 'budgets'>): Promise<CaseResult>;
}

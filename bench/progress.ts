import { Presets, SingleBar } from 'cli-progress';

/**
 * One progress bar per phase (loading the data set, each case). On a terminal it redraws in place;
 * elsewhere (CI logs, a pipe) it prints one line when a phase starts and one when it ends.
 */
export interface Phase {
  tick(by?: number, detail?: string): void;
  /** A phase whose size is learnt on the way (a load measured for a fixed time). */
  setTotal(total: number): void;
}

export class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);

  async run<T>(label: string, total: number, work: (phase: Phase) => Promise<T>): Promise<T> {
    const started = performance.now();
    const bar = new SingleBar(
      {
        format: `${label.padEnd(34)} {bar} {percentage}% | {value}/{total} {detail}`,
        barsize: 28,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    if (this.tty) bar.start(total, 0, { detail: '' });
    else console.log(`${label}...`);
    const phase: Phase = {
      tick: (by = 1, detail) => {
        if (this.tty) bar.increment(by, detail === undefined ? {} : { detail });
      },
      setTotal: (value) => {
        if (this.tty) bar.setTotal(value);
      },
    };
    try {
      const result = await work(phase);
      if (this.tty) bar.update(bar.getTotal(), { detail: `done in ${seconds(started)}` });
      else console.log(`${label}: done in ${seconds(started)}`);
      return result;
    } finally {
      if (this.tty) bar.stop();
    }
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** Runs `work` over `items`, at most `concurrency` at a time, in order of the items. */
export async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

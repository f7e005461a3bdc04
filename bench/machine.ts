import { readdirSync, readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';

/** Where the figures come from: they only mean something next to the machine that made them. */
export function describeMachine() {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    freeMemoryGb: Math.round(freemem() / 1024 ** 3),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * The CPU seconds a process has used (user and system), from /proc; undefined where there is no
 * /proc (macOS) or the process is gone. Used to tell whether a throughput case was held back by
 * the machine (both cores busy) rather than by the product's own pacing.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ, 100 on every common build. */
const CLOCK_TICKS = 100;

/** The DynamoDB Local java process listening on `port`, found by its command line. */
export function findDynamoDbLocal(port: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (
        args.some((a) => a.endsWith('DynamoDBLocal.jar')) &&
        args[args.indexOf('-port') + 1] === String(port)
      )
        return Number(entry);
    } catch {
      // The process ended while the list was read.
    }
  }
  return undefined;
}

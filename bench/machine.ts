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

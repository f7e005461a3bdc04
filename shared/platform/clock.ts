/**
 * Time is injected: services ask their context's clock, so tests and the local runtime can run a
 * scheduled job "on" any date.
 */
export interface Clock {
  now(): Date;
}

let source: () => Date = () => new Date();

/** The process's clock: the system's, unless the composition root set another source. */
export const systemClock: Clock = { now: () => source() };

/**
 * Where every context's "now" comes from, for the composition root only: the local runtime moves
 * it (POST /_local/clock) so a seed can write a year of history through the API, each change at
 * its own date. Nothing sets it on AWS.
 */
export function setTimeSource(next?: () => Date): void {
  source = next ?? (() => new Date());
}

export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new TypeError(`Not a date: ${String(at)}`);
  return { now: () => new Date(instant) };
}

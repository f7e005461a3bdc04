/**
 * Time is injected: services ask their context's clock, so tests and the local runtime can run a
 * scheduled job "on" any date.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new TypeError(`Not a date: ${String(at)}`);
  return { now: () => new Date(instant) };
}

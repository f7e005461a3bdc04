import { describe, expect, it } from 'vitest';
import { EventEnvelope } from '../../../events/define.ts';
import { eventCatalog } from '../../../events/index.ts';

describe('the event catalog', () => {
  // Checked here rather than as each event is defined: reading a payload's fields at load would
  // build every event schema in every function's cold start (shared/platform/lazy.ts).
  it.each([...eventCatalog.keys()])('%s defines none of the envelope fields', (type) => {
    const payload = Object.keys(eventCatalog.get(type)!.payload.shape);
    expect(payload.filter((field) => field in EventEnvelope.shape)).toEqual([]);
  });
});

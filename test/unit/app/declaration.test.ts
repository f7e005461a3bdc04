import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { application } from '../../../functions/app/index.ts';
import { defineApplication, defineModule } from '../../../functions/app/types.ts';

describe('the application declaration', () => {
  it('declares every route, rule, schedule, queue and stream against a declared function (or stream)', () => {
    const functions = new Set(application.functions.map((f) => f.name));
    const deliveryStreams = new Set(application.deliveryStreams.map((d) => d.name));
    for (const r of application.routes) expect(functions).toContain(r.function);
    const queues = new Set(application.queues.map((q) => q.name));
    for (const r of application.rules)
      expect(
        r.targetKind === 'delivery-stream' ? deliveryStreams : r.targetKind === 'queue' ? queues : functions,
      ).toContain(r.target);
    for (const s of application.schedules) expect(functions).toContain(s.target);
    for (const q of application.queues) expect(functions).toContain(q.consumer);
    for (const s of application.streams) expect(functions).toContain(s.target);
  });

  it('refuses a module whose route points at an undeclared function', () => {
    const broken = defineModule({
      name: 'broken',
      functions: [],
      routes: {
        x: {
          operationId: 'x',
          method: 'GET',
          path: '/v1/x',
          function: 'nowhere',
          access: 'public',
          summary: 'X',
          tags: [],
          response: { status: 200 },
        },
      },
    });
    expect(() =>
      defineApplication([broken], { authorizer: { function: 'a', cacheTtlSeconds: 1 }, fallback: 'f' }),
    ).toThrow(/undeclared function nowhere/);
  });

  it('refuses a bucket notification to an undeclared function, and a grant on an undeclared bucket', () => {
    const broken = defineModule({
      name: 'broken',
      functions: [
        { name: 'a', entry: 'a.ts', description: 'a', permissions: ['bucket:missing:read'] },
        { name: 'f', entry: 'f.ts', description: 'f', permissions: [] },
      ],
      buckets: [
        {
          name: 'files',
          description: 'Files.',
          notifications: [{ name: 'arrivals', events: ['created'], target: 'nowhere' }],
        },
      ],
    });
    const declare = () =>
      defineApplication([broken], { authorizer: { function: 'a', cacheTtlSeconds: 1 }, fallback: 'f' });
    expect(declare).toThrow(/notification arrivals of bucket files targets undeclared function nowhere/);
    expect(declare).toThrow(/function a is granted undeclared bucket missing/);
  });

  it('can be read without any environment, as the CDK app and the local runtime read it', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', "await import('./functions/app/index.ts')"],
      {
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/** `npx funnel`, the operator's CLI (infra/cli/funnel.ts), run as a process against the local runtime. */
const run = promisify(execFile);
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime({ seedOperator: true });
  tenant = await signUpOverHttp(runtime);
  await runtime.settle();
});

afterAll(async () => {
  await runtime?.stop();
});

async function funnel(...args: string[]): Promise<{ code: number; out: any; err: string }> {
  const env = {
    ...process.env,
    FUNNEL_API_URL: runtime.urls.api,
    FUNNEL_OPERATOR_KEY: runtime.operator!.key,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/funnel.js', ...args], { env });
    return { code: 0, out: JSON.parse(stdout), err: stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, out: undefined, err: failed.stderr };
  }
}

describe('npx funnel', () => {
  it('sets a plan from a file, puts a tenant on it and lists the plans', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'funnel-cli-')), 'team.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Team',
        currency: 'EUR',
        seatPrice: 1500,
        billingPeriod: 'month',
        seatLimit: 5,
      }),
    );
    expect((await funnel('plan', 'put', 'team', file)).out).toMatchObject({ id: 'team', seatLimit: 5 });
    const assigned = await funnel('tenant', 'plan', tenant.tenantId, 'team');
    expect(assigned.out).toMatchObject({ plan: { id: 'team' }, seats: { active: 1, limit: 5 } });
    expect((await funnel('plans')).out.items.map((p: { id: string }) => p.id)).toEqual(['team']);
  });

  it("runs a tenant's job now and shows the tenant: plan, usage, schedules and health", async () => {
    const job = await funnel('job', 'run', 'meter-usage', tenant.tenantId, '--as-of', '2026-11-20T23:30:00Z');
    expect(job.code, job.err).toBe(0);
    expect(job.out.runs).toEqual([
      expect.objectContaining({
        name: `meter-usage-${tenant.tenantId}`,
        ok: true,
        result: expect.objectContaining({ date: '2026-11-20', seats: 1 }),
      }),
    ]);
    const shown = await funnel('tenant', 'show', tenant.tenantId);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out.subscription).toMatchObject({ plan: { id: 'team' }, seats: { active: 1, limit: 5 } });
    expect(shown.out.days).toEqual([
      {
        date: '2026-11-20',
        seats: 1,
        contacts: 0,
        storageBytes: 0,
        emailsSent: 0,
        apiCalls: 0,
        planId: 'team',
      },
    ]);
    expect(shown.out.schedules.map((s: { name: string }) => s.name)).toContain(
      `dunning-sweep-${tenant.tenantId}`,
    );
    expect(shown.out.health).toBeDefined();
  });

  it('lists dead letters, and says plainly when one to replay does not exist', async () => {
    expect((await funnel('dead-letters', 'list')).out).toEqual({ items: [] });
    const replay = await funnel('dead-letters', 'replay', 'nothing-here');
    expect(replay.code).toBe(1);
    expect(replay.err).toContain('No dead letter nothing-here');
  });

  it("rotates a tenant's link keys, exports its records and deletes it, through the tenant-exit jobs", async () => {
    const rotated = await funnel('tenant', 'rotate-links', tenant.tenantId, '--now');
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out.generation).toBe(2);
    // `--now`: links signed with the first key stop working at once.
    expect(Date.parse(rotated.out.previousValidUntil ?? '1970-01-01')).toBeLessThanOrEqual(Date.now());

    const exported = await funnel('tenant', 'export', tenant.tenantId);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatchObject({ status: 'completed', requestedBy: 'operator' });
    expect(exported.out.files.map((f: { kind: string }) => f.kind)).toContain('Member');
    expect(exported.out.downloadUrl).toMatch(/^http/);

    const deleted = await funnel('tenant', 'delete', tenant.tenantId);
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toMatchObject({ status: 'frozen' });
    const write = await tenant.api.post('/v1/contacts', { firstName: 'Too', lastName: 'Late' });
    expect(write.body.reason).toBe('tenant_frozen');
    expect((await funnel('tenant', 'export', '01JA0000000000000000000000')).err).toContain('404');
  });

  it("refuses a tenant's key as if the operator API did not exist, and an unknown command with the usage", async () => {
    const env = { ...process.env, FUNNEL_API_URL: runtime.urls.api, FUNNEL_OPERATOR_KEY: tenant.adminKey };
    const refused = await run(process.execPath, ['bin/funnel.js', 'plans'], { env }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('404');
    const unknown = await funnel('tenant', 'dance');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Usage: npx funnel');
  });

  it('answers an unknown option, or an option without its value, with one line and the usage, not a stack trace', async () => {
    for (const [args, says] of [
      [['--foo', 'plans'], "Unknown option '--foo'"],
      [['job', 'run', 'x', 'y', '--as-of'], "Option '--as-of <value>' argument missing"],
    ] as const) {
      const refused = await funnel(...args);
      expect(refused.code).toBe(1);
      const [first, blank, usage] = refused.err.split('\n');
      expect(first).toContain(says);
      expect([blank, usage]).toEqual(['', 'Usage: npx funnel <command>']);
      expect(refused.err).not.toMatch(/\n\s+at |ERR_PARSE_ARGS/);
    }
  });

  it("refuses to delete the operator's own tenant, saying why", async () => {
    const refused = await funnel('tenant', 'delete', runtime.operator!.tenantId);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('409');
    expect(refused.err).toContain('operator tenant');
  });
});

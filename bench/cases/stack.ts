import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../infra/local/build.js';
import { freePort } from '../../infra/local/ports.ts';
import { REPO_ROOT } from '../../infra/local/runtime.ts';
import { ms, type StandaloneCase } from '../case.ts';
import { Client } from '../http.ts';
import { median, summarize } from '../stats.ts';

/**
 * The whole local stack as a newcomer runs it (issue 21, items 6 and 7): `npm start` in a process
 * group of its own, on free ports, with its data in a temporary directory.
 *
 * - Start-up: the time from `npm start` to the first 200 from /health, on the first start (an
 *   empty data directory, the build npm ci's postinstall made) and on restarts with the data kept;
 *   and the build itself (what npm ci, or a start after a change of the sources, adds). Absolute
 *   times, since the limits are absolute (≤ 6 s first, ≤ 5 s restart, on a quiet 2-core
 *   machine): each comes with the CPU seconds the process group used until then and the load
 *   average, so a figure from a busy machine can be told from a slow start.
 * - Memory: the resident memory of the stack's processes (node and DynamoDB Local's JVM) at rest,
 *   after a restart has settled, and after the same load the side-by-side with Twenty CRM used
 *   (docs/performance.md): sequential creates then reads of contacts, one keep-alive connection,
 *   whose latencies are reported too.
 */
interface Started {
  child: ChildProcess;
  output(): string;
  api: string;
  healthSeconds: number;
  bannerSeconds: number;
  cpuSecondsAtHealth: number;
  loadAtStart: number;
}

interface GroupUsage {
  cpuSeconds: number;
  /** Resident memory of node and java processes of the group, MiB. */
  stackMiB: number;
  byProcess: Record<string, { cpuSeconds: number; rssMiB: number }>;
}

const CLOCK_TICKS = 100;

/** CPU (with reaped children) and resident memory of every process of a process group, from /proc. */
function groupUsage(pgid: number): GroupUsage {
  const usage: GroupUsage = { cpuSeconds: 0, stackMiB: 0, byProcess: {} };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const cpu = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / CLOCK_TICKS;
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      const key = `${name.split(' ')[0]}#${entry}`;
      usage.byProcess[key] = { cpuSeconds: cpu, rssMiB: Math.round(rssKb / 1024) };
      usage.cpuSeconds += cpu;
      if (name === 'node' || name === 'java') usage.stackMiB += rssKb / 1024;
    } catch {
      // The process ended while it was read.
    }
  }
  usage.stackMiB = Math.round(usage.stackMiB);
  return usage;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function npmStart(dataDir: string): Promise<Started> {
  const [api, dynamo, ses, aws, s3, smtp] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const loadAtStart = loadavg()[0]!;
  const began = performance.now();
  const child = spawn('npm', ['start', '--', `--data-dir=${dataDir}`], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(api),
      DYNAMODB_PORT: String(dynamo),
      SES_PORT: String(ses),
      LOCAL_AWS_PORT: String(aws),
      S3_PORT: String(s3),
      SMTP_PORT: String(smtp),
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${api}`;
  const fail = (why: string) => {
    stop(child);
    return new Error(`npm start ${why}: ${output.trim().split('\n').slice(-5).join(' | ')}`);
  };
  for (;;) {
    const answer = await fetch(`${url}/health`).catch(() => undefined);
    if (answer?.status === 200) break;
    if (child.exitCode !== null) throw fail(`exited with ${child.exitCode}`);
    if (performance.now() - began > 180_000) throw fail('did not serve /health within 3 minutes');
    // 20 ms: the resolution of the figure, small beside the limits.
    await sleep(20);
  }
  const healthSeconds = (performance.now() - began) / 1000;
  const cpuSecondsAtHealth = groupUsage(child.pid!).cpuSeconds;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw fail(`exited with ${child.exitCode}`);
    await sleep(20);
  }
  return {
    child,
    output: () => output,
    api: url,
    healthSeconds,
    bannerSeconds: (performance.now() - began) / 1000,
    cpuSecondsAtHealth,
    loadAtStart,
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGINT');
  } catch {
    // Already gone.
  }
  return exited;
}

/** Sequential requests on one keep-alive connection, spread over keys (each key's limit is 1,200 a minute). */
async function sequential(
  clients: Client[],
  count: number,
  request: (client: Client, i: number) => Promise<{ status: number; id?: string }>,
  expected: number,
): Promise<{ latencies: number[]; ids: string[] }> {
  const latencies: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    const answer = await request(clients[i % clients.length]!, i);
    latencies.push(performance.now() - began);
    if (answer.status !== expected) throw new Error(`Request ${i} answered ${answer.status}.`);
    if (answer.id) ids.push(answer.id);
  }
  return { latencies, ids };
}

export const stackCase: StandaloneCase = {
  id: 'stack',
  title: 'The local stack (npm start)',
  standalone: true,
  async run({ progress, quick }) {
    const restarts = quick ? 1 : 3;
    const creates = quick ? 200 : 1000;
    const reads = 2 * creates;
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-bench-stack-'));
    try {
      return await progress.run(
        `stack: build, first start, ${restarts} restarts, ${creates} creates and ${reads} reads`,
        3 + restarts,
        async (phase) => {
          const buildBegan = performance.now();
          await build();
          const buildSeconds = (performance.now() - buildBegan) / 1000;
          phase.tick();

          const first = await npmStart(dataDir);
          await fetch(`${first.api}/_local/settle`, { method: 'POST' });
          await stop(first.child);
          phase.tick();

          const restarted: Started[] = [];
          let last: Started | undefined;
          for (let i = 0; i < restarts; i++) {
            if (last) await stop(last.child);
            last = await npmStart(dataDir);
            restarted.push(last);
            phase.tick();
          }
          const stack = last!;
          try {
            await fetch(`${stack.api}/_local/settle`, { method: 'POST' });
            // At rest: started, settled, and a moment for the JVM and V8 to finish what start-up began.
            await sleep(2000);
            const rest = groupUsage(stack.child.pid!);

            const adminKey = /Demo API key\s+(\S+)/.exec(stack.output())?.[1];
            if (!adminKey) throw new Error('The banner shows no demo API key.');
            const admin = new Client(stack.api, adminKey);
            const keys = [adminKey];
            for (let i = 0; i < 3; i++) {
              const made = await admin.send('POST', '/v1/api-keys', { name: `bench ${i}` });
              if (made.status !== 201)
                throw new Error(`POST /v1/api-keys answered ${made.status}: ${made.text}`);
              keys.push(made.json.key as string);
            }
            const clients = keys.map((key) => admin.as(key));
            const run = Date.now().toString(36);
            const created = await sequential(
              clients,
              creates,
              async (client, i) => {
                const answer = await client.send('POST', '/v1/contacts', {
                  firstName: 'Bench',
                  lastName: `Contact ${i}`,
                  email: `bench-${run}-${i}@example.com`,
                });
                return { status: answer.status, id: answer.json?.id as string };
              },
              201,
            );
            const read = await sequential(
              clients,
              reads,
              async (client, i) => {
                const answer = await client.send(
                  'GET',
                  `/v1/contacts/${created.ids[i % created.ids.length]}`,
                );
                return { status: answer.status };
              },
              200,
            );
            await fetch(`${stack.api}/_local/settle`, { method: 'POST' });
            await sleep(2000);
            const after = groupUsage(stack.child.pid!);
            phase.tick();

            const create = summarize(created.latencies);
            const get = summarize(read.latencies);
            const restartSeconds = median(restarted.map((s) => s.healthSeconds));
            return {
              id: 'stack',
              title: 'The local stack (npm start)',
              rows: [
                {
                  measure: 'build (npm ci postinstall, or a start after a change)',
                  funnel: `${buildSeconds.toFixed(1)} s`,
                },
                {
                  measure: 'first start to /health',
                  funnel: `${first.healthSeconds.toFixed(1)} s (${first.cpuSecondsAtHealth.toFixed(1)} CPU s, load ${first.loadAtStart.toFixed(1)})`,
                  metric: 'stack.start.first.seconds',
                },
                {
                  measure: `restart with data kept to /health (median of ${restarts})`,
                  funnel: `${restartSeconds.toFixed(1)} s (${median(restarted.map((s) => s.cpuSecondsAtHealth)).toFixed(1)} CPU s)`,
                  metric: 'stack.start.restart.seconds',
                },
                { measure: 'memory at rest (node + DynamoDB Local)', funnel: `${rest.stackMiB} MiB` },
                {
                  measure: `memory after ${creates} creates and ${reads} reads`,
                  funnel: `${after.stackMiB} MiB`,
                },
                { measure: 'POST /v1/contacts p50 / p99', funnel: `${ms(create.p50)} / ${ms(create.p99)}` },
                { measure: 'GET /v1/contacts/{id} p50 / p99', funnel: `${ms(get.p50)} / ${ms(get.p99)}` },
              ],
              metrics: {
                'stack.build.seconds': buildSeconds,
                'stack.start.first.seconds': first.healthSeconds,
                'stack.start.first.load': first.loadAtStart,
                'stack.start.first.cpuSeconds': first.cpuSecondsAtHealth,
                'stack.start.first.bannerSeconds': first.bannerSeconds,
                'stack.start.restart.seconds': restartSeconds,
                'stack.start.restart.cpuSeconds': median(restarted.map((s) => s.cpuSecondsAtHealth)),
                'stack.memory.rest.MiB': rest.stackMiB,
                'stack.memory.after.MiB': after.stackMiB,
                'stack.create.p50.ms': create.p50,
                'stack.create.p99.ms': create.p99,
                'stack.read.p50.ms': get.p50,
                'stack.read.p99.ms': get.p99,
              },
              details: {
                buildSeconds,
                first: describe(first),
                restarts: restarted.map(describe),
                memory: { rest, after },
                create,
                read: get,
              },
            };
          } finally {
            await stop(stack.child);
          }
        },
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

function describe(started: Started) {
  return {
    healthSeconds: started.healthSeconds,
    bannerSeconds: started.bannerSeconds,
    cpuSecondsAtHealth: started.cpuSecondsAtHealth,
    loadAtStart: started.loadAtStart,
  };
}

import { spawn } from 'node:child_process';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Result } from 'autocannon';
import { REPO_ROOT } from '../../infra/local/runtime.ts';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type Case, ms } from '../case.ts';
import { ratio, summarize } from '../stats.ts';

/**
 * A steady load on the local API: autocannon (in a process of its own) keeps a fixed number of
 * connections busy for a fixed time with GET /v1/contacts/{id} over the measured tenant's
 * contacts. Its floor: as many concurrent loops of the raw GetItem, for as long, in this process.
 * Reported: requests per second, p99 latency, and errors (connection errors, timeouts and any
 * answer but 200), which must be zero.
 */
const CONNECTIONS = 16;

function runAutocannon(options: Record<string, unknown>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/load-worker.ts', JSON.stringify(options)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Result);
      else reject(new Error(`The load generator failed (exit ${code}): ${err.trim()}`));
    });
  });
}

export const loadCase: Case = {
  id: 'load',
  title: 'Steady load',
  async run({ runtime, raw, tableName, progress, quick, dataSet }) {
    const data = await dataSet();
    const { main } = data;
    const tenant = asTenantId(main.tenantId);
    const seconds = quick ? 4 : 15;
    const warmupSeconds = quick ? 2 : 3;
    const ids = main.contacts.map((c) => c.id);
    const generator = {
      url: runtime.urls.api,
      apiKey: main.adminKey,
      paths: ids.map((id) => `/v1/contacts/${id}`),
      connections: CONNECTIONS,
    };
    const { api, floor } = await progress.run(
      `load: ${CONNECTIONS} connections for ${seconds} s`,
      warmupSeconds + 2 * seconds,
      async (phase) => {
        const ticking = (every: number) => {
          const timer = setInterval(() => phase.tick(), every);
          return () => clearInterval(timer);
        };
        let stop = ticking(1000);
        await runAutocannon({ ...generator, seconds: warmupSeconds });
        const api = await runAutocannon({ ...generator, seconds });
        stop();
        stop = ticking(1000);
        const floor = await rawLoad(seconds, (i) => {
          const key = contactKeys.contact(tenant, ids[i % ids.length]!);
          return raw.send(
            new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
          );
        });
        stop();
        return { api, floor };
      },
    );
    const errors = api.errors + api.timeouts + api.non2xx;
    const apiRps = api.requests.total / api.duration;
    return {
      id: 'load',
      title: 'Steady load',
      rows: [
        {
          measure: `GET /v1/contacts/{id}, ${CONNECTIONS} connections: requests/s vs GetItem`,
          funnel: `${apiRps.toFixed(0)}/s`,
          floor: `${floor.rps.toFixed(0)}/s`,
          ratio: ratio(apiRps, floor.rps),
          metric: 'load.rps.ratio',
        },
        {
          measure: `GET /v1/contacts/{id}, ${CONNECTIONS} connections: p99 vs GetItem`,
          funnel: ms(api.latency.p99),
          floor: ms(floor.latency.p99),
          ratio: ratio(api.latency.p99, floor.latency.p99),
          metric: 'load.p99.ratio',
        },
        {
          measure: 'errors (connection, timeout, non-2xx)',
          funnel: String(errors),
          metric: 'load.errors',
        },
      ],
      metrics: {
        'load.rps.ratio': ratio(apiRps, floor.rps),
        'load.p99.ratio': ratio(api.latency.p99, floor.latency.p99),
        'load.errors': errors,
      },
      details: {
        connections: CONNECTIONS,
        seconds,
        api: {
          requestsPerSecond: apiRps,
          requests: api.requests.total,
          latency: { p50: api.latency.p50, p99: api.latency.p99, max: api.latency.max },
          errors: api.errors,
          timeouts: api.timeouts,
          non2xx: api.non2xx,
        },
        floor: { requestsPerSecond: floor.rps, requests: floor.count, latency: floor.latency },
      },
    };
  },
};

/** CONNECTIONS loops of `call`, each starting the next call when the last one answered. */
async function rawLoad(seconds: number, call: (i: number) => Promise<unknown>) {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const latencies: number[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await call(n++);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { rps: latencies.length / elapsed, count: latencies.length, latency: summarize(latencies) };
}

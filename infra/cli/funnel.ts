import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The operator's CLI. It acts only through the operator API and, on this machine, the local
 * runtime's `/_local` endpoints: the same services as the product, never the table itself.
 *
 *   FUNNEL_API_URL       the API (default http://127.0.0.1:3000, `npm start`)
 *   FUNNEL_OPERATOR_KEY  an operator key (default: the one `npm start` made, in .funnel/operator.json)
 */
const USAGE = `Usage: npx funnel <command>

  plans                                 list the plans
  plan put <planId> <file.json>         create or change a plan (body as PUT /v1/operator/plans/{planId})
  tenant show <tenantId>                a tenant's plan, seats, usage, statements, schedules and health
  tenant plan <tenantId> <planId>       put a tenant on a plan
  tenant export <tenantId>              export every record of the tenant; waits for the download addresses
  tenant delete <tenantId>              freeze the tenant now, remove it after the grace period
  tenant rotate-links <tenantId> [--now]
                                        rotate the key that signs the tenant's links (--now: old links stop at once)
  job run <schedule> <tenantId> [--as-of <ISO instant>]
                                        run a tenant's scheduled job now (local runtime)
  dead-letters list                     what failed for good (local runtime)
  dead-letters replay <id>              deliver a dead letter again (local runtime)

Environment: FUNNEL_API_URL (http://127.0.0.1:3000), FUNNEL_OPERATOR_KEY (.funnel/operator.json)`;

class UsageError extends Error {}

/** The options; one the CLI does not know, or one without its value, is a usage error, not a crash. */
function parsedArgs() {
  try {
    return parseArgs({
      options: {
        'as-of': { type: 'string' },
        now: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw error;
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(1);
  }
}

const { values, positionals } = parsedArgs();

const apiUrl = (process.env.FUNNEL_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

function operatorKey(): string {
  if (process.env.FUNNEL_OPERATOR_KEY) return process.env.FUNNEL_OPERATOR_KEY;
  const file = join(process.cwd(), '.funnel', 'operator.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key;
  throw new UsageError('Set FUNNEL_OPERATOR_KEY (npm start prints one; on AWS see docs/operator.md).');
}

async function call(method: string, path: string, body?: unknown, authorized = true): Promise<unknown> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      ...(authorized ? { authorization: `Bearer ${operatorKey()}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const problem = parsed as { title?: string; detail?: string } | undefined;
    throw new Error(`${method} ${path}: ${response.status} ${problem?.detail ?? problem?.title ?? text}`);
  }
  return parsed;
}

/** The `/_local` endpoints exist only on this machine's runtime. */
const local = (method: string, path: string, body?: unknown) =>
  call(method, `/_local${path}`, body, false).catch((error: Error) => {
    if (!error.message.includes('is not a route of this API')) throw error;
    throw new Error(
      `${apiUrl} is not the local runtime: this command needs \`npm start\` (docs/operator.md).`,
    );
  });

async function run(args: string[]): Promise<unknown> {
  const [command, sub, ...rest] = args;
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'plans':
      return call('GET', '/v1/operator/plans');
    case 'plan put': {
      const [planId, file] = rest;
      if (!planId || !file) throw new UsageError('plan put <planId> <file.json>');
      return call(
        'PUT',
        `/v1/operator/plans/${encodeURIComponent(planId)}`,
        JSON.parse(readFileSync(file, 'utf8')),
      );
    }
    case 'tenant show': {
      const [tenantId] = rest;
      if (!tenantId) throw new UsageError('tenant show <tenantId>');
      const overview = (await call('GET', `/v1/operator/tenants/${encodeURIComponent(tenantId)}`)) as object;
      const [schedules, health] = await Promise.all([
        local('GET', '/schedules').then(
          (answer) =>
            (answer as { items: Array<{ name: string }> }).items.filter((s) =>
              s.name.endsWith(`-${tenantId}`),
            ),
          () => undefined,
        ),
        call('GET', '/health', undefined, false).catch((error: Error) => ({ error: error.message })),
      ]);
      return { ...overview, ...(schedules ? { schedules } : {}), health };
    }
    case 'tenant plan': {
      const [tenantId, planId] = rest;
      if (!tenantId || !planId) throw new UsageError('tenant plan <tenantId> <planId>');
      return call('PUT', `/v1/operator/tenants/${encodeURIComponent(tenantId)}/subscription`, { planId });
    }
    case 'tenant export': {
      const [tenantId] = rest;
      if (!tenantId) throw new UsageError('tenant export <tenantId>');
      const base = `/v1/operator/tenants/${encodeURIComponent(tenantId)}/exports`;
      const started = (await call('POST', base)) as { id: string };
      // The export runs in the background (a queue's worker): follow it for up to two minutes.
      for (let waited = 0; waited < 120; waited++) {
        const record = (await call('GET', `${base}/${started.id}`)) as { status: string };
        if (record.status === 'completed') return record;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return call('GET', `${base}/${started.id}`);
    }
    case 'tenant delete': {
      const [tenantId] = rest;
      if (!tenantId) throw new UsageError('tenant delete <tenantId>');
      return call('POST', `/v1/operator/tenants/${encodeURIComponent(tenantId)}/deletion`);
    }
    case 'tenant rotate-links': {
      const [tenantId] = rest;
      if (!tenantId) throw new UsageError('tenant rotate-links <tenantId> [--now]');
      return call('POST', `/v1/operator/tenants/${encodeURIComponent(tenantId)}/link-keys/rotate`, {
        retirePrevious: values.now ? 'now' : 'after-overlap',
      });
    }
    case 'job run': {
      const [schedule, tenantId] = rest;
      if (!schedule || !tenantId) throw new UsageError('job run <schedule> <tenantId> [--as-of <instant>]');
      return local('POST', `/schedules/${encodeURIComponent(`${schedule}-${tenantId}`)}/run`, {
        ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
      });
    }
    case 'dead-letters list':
      return local('GET', '/dead-letters');
    case 'dead-letters replay': {
      const [id] = rest;
      if (!id) throw new UsageError('dead-letters replay <id>');
      return local('POST', `/dead-letters/${encodeURIComponent(id)}/replay`);
    }
    default:
      throw new UsageError(`Unknown command: ${args.join(' ') || '(none)'}`);
  }
}

if (values.help || positionals.length === 0) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(positionals.length === 0 && !values.help ? 1 : 0);
}

try {
  process.stdout.write(`${JSON.stringify(await run(positionals), null, 2)}\n`);
} catch (error) {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else console.error((error as Error).message);
  process.exit(1);
}

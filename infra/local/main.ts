import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// The SDK warns that its releases after January 2027 need Node 22; Node 20 is our local baseline.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { launchDynamoDbLocal, StartupError } from './dynamodb.ts';
import type { LocalRuntime } from './runtime.ts';

/**
 * `npm start`: the whole CRM on this machine. Data persists in .funnel/ unless --in-memory.
 * Ports: PORT (API, 3000), DYNAMODB_PORT (8000), SES_PORT (8005, mail viewer), LOCAL_AWS_PORT (8010),
 * S3_PORT (8011), SMTP_PORT (2525, support mail in).
 */
const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    faults: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

if (values.help) {
  console.log(`Usage: npm start [-- [--in-memory] [--faults=SEED]]

  --in-memory   keep nothing between runs (default: data in .funnel/)
  --data-dir=DIR keep the data in DIR instead of .funnel/
  --faults=SEED put the fault proxy in front of DynamoDB and seed the faults' draws, so that
                faults can be injected at /_local/faults (see infra/local/aws/README.md)

Environment: PORT (3000), DYNAMODB_PORT (8000), SES_PORT (8005), LOCAL_AWS_PORT (8010), S3_PORT (8011),
             LOG_LEVEL (WARN)`);
  process.exit(0);
}

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name}=${raw} is not a port number.`);
    process.exit(1);
  }
  return value;
};

function faultSeed(raw: string): number {
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) {
    console.error(`--faults=${raw}: the seed is a whole number.`);
    process.exit(1);
  }
  return seed;
}

let runtime: LocalRuntime | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Funnel CRM...');
  await runtime?.stop();
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const started = Date.now();
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = values['in-memory'] ? null : resolve(values['data-dir'] ?? join(REPO_ROOT, '.funnel'));

try {
  // DynamoDB Local first: its JVM takes seconds to start, which loading the rest of the runtime
  // (imported only now) and checking the console's build overlap with.
  if (dataDir) mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  const dynamodb = launchDynamoDbLocal({
    port: port('DYNAMODB_PORT', 8000),
    ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
  });
  const [{ startLocalRuntime }, { ensureConsoleBuilt }] = await Promise.all([
    import('./runtime.ts'),
    import('./console.ts'),
  ]).catch(async (error: unknown) => {
    await dynamodb.stop();
    throw error;
  });
  try {
    await ensureConsoleBuilt((line) => console.log(line));
  } catch (error) {
    await dynamodb.stop();
    throw error;
  }
  runtime = await startLocalRuntime({
    dynamodb,
    dataDir,
    port: port('PORT', 3000),
    sesPort: port('SES_PORT', 8005),
    awsPort: port('LOCAL_AWS_PORT', 8010),
    s3Port: port('S3_PORT', 8011),
    smtpPort: port('SMTP_PORT', 2525),
    ...(values.faults !== undefined ? { faults: { seed: faultSeed(values.faults) } } : {}),
    // Set by infra/local/start.js (npm start) when this runs from the ahead-of-time build.
    ...(process.env.FUNNEL_LOCAL_BUILD ? { build: process.env.FUNNEL_LOCAL_BUILD } : {}),
  });
  const { urls, demo, operator } = runtime;
  const { INBOUND_MAIL_DOMAIN } = await import('./runtime.ts');
  console.log(`
Funnel CRM is running (${((Date.now() - started) / 1000).toFixed(1)} s)${dataDir ? `, data in ${dataDir}` : ', in memory'}

  Console        ${urls.console}
  API            ${urls.api}
  API docs       ${urls.docs}
  OpenAPI        ${urls.openapi}
  Mail viewer    ${urls.mailViewer}
  S3             ${urls.s3}
  SMTP (support) ${urls.smtp}   (mail to <tenant id>@${INBOUND_MAIL_DOMAIN})
  Health         ${urls.api}/health
  Schedules      ${urls.api}/_local/schedules
${
  demo
    ? `
  Demo tenant    ${demo.tenantId}
  Sign in        ${demo.adminEmail} / ${demo.adminPassword}   (the demo admin, at ${urls.console})
  Demo API key   ${demo.apiKey}
  Demo support   ${demo.tenantId.toLowerCase()}@${INBOUND_MAIL_DOMAIN}   (e.g. swaks --server ${runtime.smtp.host}:${runtime.smtp.port} --to ...)

  Try: curl -H "Authorization: Bearer ${demo.apiKey}" ${urls.api}/v1/me
`
    : ''
}${
  operator
    ? `
  Operator key   ${operator.key}
                 (the operator API, /v1/operator/..., and \`npx funnel\`; see docs/operator.md)
`
    : ''
}
Press Ctrl-C to stop.`);
} catch (error) {
  if (error instanceof StartupError) console.error(`Funnel CRM could not start: ${error.message}`);
  else console.error('Funnel CRM could not start:', error);
  await runtime?.stop();
  process.exit(1);
}

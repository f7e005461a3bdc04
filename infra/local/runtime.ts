import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { application as declaredApplication } from '../../functions/app/index.ts';
import type {
  Application,
  BucketSpec,
  DeliveryStreamSpec,
  QueueSpec,
  RuleSpec,
  StreamConsumerSpec,
  TableSpec,
} from '../../functions/app/types.ts';
import { setTimeSource } from '../../shared/platform/clock.ts';
import { CONSOLE_PATH, invitationMessage } from '../console-site.ts';
import { functionEnvironment } from '../environment.ts';
import { type ApiGateway, type ServedRateLimit, type ServedRoute, startApiGateway } from './api-gateway.ts';
import { LocalAthena } from './aws/athena.ts';
import { COGNITO_SENDER_EMAIL, generatePassword, LocalCognito } from './aws/cognito.ts';
import { MemoryDeadLetters } from './aws/dead-letters.ts';
import { LocalDuckDb } from './aws/duckdb.ts';
import { startDynamoDbFaultProxy } from './aws/dynamodb-faults.ts';
import { startLocalAwsEndpoint } from './aws/endpoint.ts';
import { LocalEventBus } from './aws/event-bus.ts';
import { answerFaultRequest, LocalFaults } from './aws/faults.ts';
import { LocalFirehose } from './aws/firehose.ts';
import { LocalLogSubscription } from './aws/log-subscription.ts';
import { LocalQueues } from './aws/queues.ts';
import { LocalS3, type LocalS3Server, startS3Server } from './aws/s3.ts';
import { ObjectStore } from './aws/s3-store.ts';
import { LocalScheduler, type ScheduleListing } from './aws/scheduler.ts';
import { startSesFront } from './aws/ses-front.ts';
import { LocalStreamPoller } from './aws/streams.ts';
import type { Clock, DeadLetter } from './aws/types.ts';
import { consoleRoutes } from './console.ts';
import {
  ensureTable,
  launchDynamoDbLocal,
  localClient,
  type StartingDynamoDbLocal,
  StartupError,
} from './dynamodb.ts';
import { LocalLambda } from './lambda.ts';
import { type LocalOperator, seedOperator } from './operator.ts';
import { type LocalSmtp, startLocalSmtp } from './smtp-inbound.ts';
import { verifyTenantByMail } from './verify-by-mail.ts';

/**
 * The whole CRM on one machine: DynamoDB Local, the SES emulator with its mail viewer, and local
 * stand-ins for EventBridge, Scheduler, SQS, S3 and the stream poller, all invoking the same handler
 * modules as AWS, declared once in functions/app. `npm start` runs this; so do the end-to-end
 * tests and the benchmark, in memory and on free ports.
 */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
/** From of service mail (verification links) on this machine. */
export const SERVICE_SENDER_EMAIL = 'no-reply@funnel.localhost';
/** The domain the local SMTP listener accepts support mail for. */
export const INBOUND_MAIL_DOMAIN = 'support.funnel.localhost';
const WAREHOUSE_DATABASE = 'funnel';
/** The workgroup's per-query limit, as the stack sets it (infra/constructs/warehouse.ts). */
const ATHENA_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

export interface RuntimeOptions {
  /** Another declaration than functions/app (the parity test serves a fixture application). */
  application?: Application;
  host?: string;
  port?: number;
  sesPort?: number;
  awsPort?: number;
  /** The SMTP listener for support mail (SES receiving); 0 picks a free port. */
  smtpPort?: number;
  s3Port?: number;
  /** Where data persists between runs; `null` keeps everything in memory. */
  dataDir?: string | null;
  /** Use a running DynamoDB (tests share one); otherwise start DynamoDB Local on `dynamodbPort`. */
  dynamodbEndpoint?: string;
  /** A DynamoDB Local the caller launched already (npm start does, first thing); stopped with the runtime. */
  dynamodb?: StartingDynamoDbLocal;
  dynamodbPort?: number;
  tableName?: string;
  authorizerCacheTtlSeconds?: number;
  /** Create a demo tenant on the first run (always, in memory). */
  seedDemoTenant?: boolean;
  /** Sign up the operator tenant and issue an operator key (infra/local/operator.ts); as seedDemoTenant by default. */
  seedOperator?: boolean;
  clock?: Clock;
  logLevel?: string;
  /** SES account quota for GetAccount (the send rate campaigns respect). */
  sesMaxSendRate?: number;
  /** The declared rate limits apply unless false (see api-gateway.ts). */
  rateLimits?: boolean;
  /**
   * Puts the fault proxy in front of DynamoDB, so that `dynamodb` faults can be injected, and seeds
   * the faults' random draws (1 unless given). Faults of the other services need no option.
   */
  faults?: boolean | { seed: number };
  /**
   * The ahead-of-time build of the runtime and the functions (infra/local/build.js) this process
   * runs from: handlers are imported from it rather than from their TypeScript sources.
   */
  build?: string;
}

export interface DemoTenant {
  tenantId: string;
  apiKey: string;
  adminEmail: string;
  /** The demo admin's console password (set for good, no invitation step). */
  adminPassword: string;
}

/** What the local runtime serves, component by component (compared with AWS by the parity test). */
export interface ServedApplication {
  routes: ServedRoute[];
  rules: readonly RuleSpec[];
  schedules: ScheduleListing[];
  queues: QueueSpec[];
  streams: StreamConsumerSpec[];
  rateLimits: ServedRateLimit[];
  buckets: BucketSpec[];
  deliveryStreams: readonly DeliveryStreamSpec[];
  tables: readonly TableSpec[];
}

export interface LocalRuntime {
  describe(): ServedApplication;
  urls: {
    api: string;
    docs: string;
    openapi: string;
    console: string;
    mailViewer: string;
    smtp: string;
    aws: string;
    s3: string;
    dynamodb: string;
  };
  demo?: DemoTenant;
  operator?: LocalOperator;
  lambda: LocalLambda;
  bus: LocalEventBus;
  scheduler: LocalScheduler;
  queues: LocalQueues;
  /** The stream's event source mappings; tests redeliver records through it. */
  streams: LocalStreamPoller;
  s3: LocalS3;
  firehose: LocalFirehose;
  athena: LocalAthena;
  deadLetters: MemoryDeadLetters;
  cognito: LocalCognito;
  /** SES receiving: the SMTP listener for the support addresses (infra/local/smtp-inbound.ts). */
  smtp: LocalSmtp;
  /** Faults on demand (aws/faults.ts), also at `/_local/faults`. */
  faults: LocalFaults;
  /**
   * Resolves once every change made so far has gone through stream, bus, queues and handlers.
   * With `buffers: false` the records Firehose and the access logs hold until their size or
   * interval stay there (as they would on AWS): what a caller measuring one path waits for
   * without delivering every other stream's batch each time.
   */
  settle(options?: SettleOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface SettleOptions {
  /** Deliver what Firehose and the access logs buffer (default true). */
  buffers?: boolean;
}

/** A stack secret of the local runtime, kept in the data directory (or made anew in memory). */
function localSecret(dataDir: string | null, name: string): string {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function startLocalRuntime(options: RuntimeOptions = {}): Promise<LocalRuntime> {
  const application = options.application ?? declaredApplication;
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir === undefined ? join(REPO_ROOT, '.funnel') : options.dataDir;
  if (dataDir) mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  const tableName = options.tableName ?? 'funnel-local';
  const port = options.port ?? 3000;
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  };

  try {
    // The JVM's start (seconds) overlaps with everything below that does not need the table:
    // importing the handlers, starting the other servers.
    const dynamo =
      options.dynamodbEndpoint === undefined
        ? (options.dynamodb ??
          launchDynamoDbLocal({
            port: options.dynamodbPort ?? 8000,
            ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
          }))
        : undefined;
    if (dynamo) stoppers.push(() => dynamo.stop());
    const dynamodbEndpoint = options.dynamodbEndpoint ?? dynamo!.endpoint;
    const tableReady = (async () => {
      await dynamo?.ready;
      await ensureTable(dynamodbEndpoint, tableName);
    })();
    tableReady.catch(() => undefined);
    const faults = new LocalFaults(typeof options.faults === 'object' ? options.faults.seed : 1);
    // Functions reach DynamoDB through the fault proxy when there is one; the stream poller does not.
    let functionsDynamodbEndpoint = dynamodbEndpoint;
    if (options.faults) {
      const proxy = await startDynamoDbFaultProxy({ host, upstream: dynamodbEndpoint, faults });
      stoppers.push(() => proxy.close());
      functionsDynamodbEndpoint = proxy.url;
    } else {
      faults.unavailable(
        'dynamodb',
        'DynamoDB faults need the fault proxy: start with `faults` (npm start -- --faults).',
      );
    }

    const awsPort = options.awsPort ?? 8010;
    const sesPort = options.sesPort ?? 8005;
    const s3Port = options.s3Port ?? 8011;
    const apiUrl = `http://${host}:${port}`;
    const awsUrl = `http://${host}:${awsPort}`;
    const s3Url = `http://${host.includes(':') ? `[${host}]` : host}:${s3Port}`;
    // Object bodies are plain files (DuckDB reads the warehouse's Parquet from them); a throwaway
    // run keeps them in a temporary directory removed on stop.
    const s3Root = dataDir ? join(dataDir, 's3') : mkdtempSync(join(tmpdir(), 'funnel-s3-'));
    if (!dataDir) stoppers.push(async () => rmSync(s3Root, { recursive: true, force: true }));
    const functionArnPrefix = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;
    const queueUrlPrefix = `${awsUrl}/${ACCOUNT}/`;
    const eventBusName = 'funnel-local';
    const userPool = {
      id: `${REGION}_funnelLocal`,
      clientId: 'funnellocalconsoleclient01',
      issuer: `${awsUrl}/${REGION}_funnelLocal`,
    };

    // Handlers read their configuration when imported: the environment must be complete first.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: functionsDynamodbEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsUrl,
      AWS_ENDPOINT_URL_SCHEDULER: awsUrl,
      AWS_ENDPOINT_URL_SQS: awsUrl,
      AWS_ENDPOINT_URL_S3: s3Url,
      AWS_ENDPOINT_URL_FIREHOSE: awsUrl,
      AWS_ENDPOINT_URL_ATHENA: awsUrl,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_SESV2: `http://${host}:${sesPort}`,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: awsUrl,
      AWS_LAMBDA_FUNCTION_NAME: 'funnel-local',
      AWS_SES_ACCOUNT: JSON.stringify(sesAccount(options.sesMaxSendRate ?? 14)),
      LINK_SECRET: localSecret(dataDir, 'link-secret'),
      WEBHOOK_SECRET: localSecret(dataDir, 'webhook-secret'),
      // No certificates here: receivers listen on plain http. Loopback stays refused unless the
      // process was started with WEBHOOK_ALLOW_LOOPBACK=true (tests set it; see docs/webhooks.md).
      WEBHOOK_ALLOW_HTTP: 'true',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.LOG_LEVEL ?? 'WARN',
      ...functionEnvironment(
        {
          tableName,
          eventBusName,
          scheduleGroup: 'funnel-local',
          schedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/funnel-local-scheduler`,
          functionArnPrefix,
          queueUrlPrefix,
          sesConfigurationSet: 'funnel-local',
          sesIdentityArnPrefix: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/`,
          serviceSenderEmail: SERVICE_SENDER_EMAIL,
          publicBaseUrl: apiUrl,
          inboundMailDomain: INBOUND_MAIL_DOMAIN,
          // Locally each declared bucket is called by its declared name.
          buckets: Object.fromEntries(application.buckets.map((b) => [b.name, b.name])),
          warehouse: { database: WAREHOUSE_DATABASE, workgroup: 'funnel-local', dialect: 'duckdb' },
          userPool,
        },
        application,
      ),
    });

    const lambda = new LocalLambda(application.functions, {
      root: REPO_ROOT,
      functionArnPrefix,
      faults,
      ...(options.build ? { build: options.build } : {}),
    });
    // Every handler is imported now (a configuration error stops start-up, not a request), while
    // the JVM starts.
    const preloaded = lambda.preload();
    preloaded.catch(() => undefined);
    const deadLetters = new MemoryDeadLetters(dataDir ? join(dataDir, 'dead-letters.json') : undefined);
    // The local clock: the given one (tests) or the system's, moved by POST /_local/clock, which
    // moves handlers' "now" too, so a seed can write history through the API.
    let offsetMs = 0;
    const base = options.clock ?? { now: () => new Date() };
    const clock: Clock = { now: () => new Date(base.now().getTime() + offsetMs) };
    setTimeSource(() => new Date(Date.now() + offsetMs));
    stoppers.push(async () => setTimeSource());
    const localClock: LocalClock = {
      now: () => clock.now(),
      offsetMs: () => offsetMs,
      set: (instant) => {
        offsetMs = instant ? instant.getTime() - base.now().getTime() : 0;
      },
    };
    const store = new ObjectStore(s3Root, () => clock.now());
    for (const bucket of application.buckets) await store.createBucket(bucket.name);
    const s3 = new LocalS3({
      store,
      credentials: [{ accessKeyId: 'local', secretAccessKey: 'local' }],
      region: REGION,
      notifications: new Map(application.buckets.map((b) => [b.name, b.notifications ?? []])),
      lifecycle: new Map(application.buckets.map((b) => [b.name, b.lifecycle ?? []])),
      invoke: lambda.invoke,
      deadLetters,
    });
    stoppers.push(async () => s3.close());
    const duckdb = new LocalDuckDb();
    stoppers.push(() => duckdb.close());
    const firehose = new LocalFirehose({
      streams: application.deliveryStreams,
      tables: application.tables,
      s3,
      duckdb,
      invoke: lambda.invoke,
      region: REGION,
      account: ACCOUNT,
      clock,
    });
    // What Firehose still buffers is delivered on the way out, not lost with the process.
    stoppers.push(async () => {
      await firehose.flush().catch((error) => console.error('Firehose could not deliver its buffer:', error));
      firehose.close();
    });
    // The gateway's access log, delivered to its declared consumers as subscription filters do.
    const accessLogs = application.accessLogConsumers.map(
      (spec) =>
        new LocalLogSubscription({
          logGroup: 'funnel-api-access',
          filterName: spec.name,
          consumer: spec.consumer,
          invoke: lambda.invoke,
          clock,
        }),
    );
    stoppers.push(async () => {
      for (const log of accessLogs) log.close();
    });
    const athena = new LocalAthena({
      database: WAREHOUSE_DATABASE,
      workgroup: 'funnel-local',
      tables: application.tables,
      store,
      duckdb,
      bytesScannedCutoff: ATHENA_BYTES_SCANNED_CUTOFF,
    });
    const bus = new LocalEventBus({
      rules: application.rules,
      domainBusName: eventBusName,
      invoke: faults.deliveries('events', lambda.invoke),
      putRecord: (stream, data) => {
        const [result] = firehose.putRecords(stream, [data]);
        if (result?.ErrorCode) throw new Error(`${result.ErrorCode}: ${result.ErrorMessage}`);
      },
      sendMessage: (queue, body) => {
        queues.send(queue, [{ body }]);
      },
      deadLetters,
      clock,
    });
    stoppers.push(async () => bus.close());
    const queues: LocalQueues = new LocalQueues({
      queues: application.queues,
      queueUrlPrefix,
      invoke: faults.deliveries('sqs', lambda.invoke),
      deadLetters,
    });
    stoppers.push(async () => queues.close());
    const scheduler = new LocalScheduler({
      declared: application.schedules,
      functionArnPrefix,
      invoke: faults.deliveries('scheduler', lambda.invoke),
      deadLetters,
      ...(dataDir ? { stateFile: join(dataDir, 'schedules.json') } : {}),
      clock,
    });
    const poller = new LocalStreamPoller({
      endpoint: dynamodbEndpoint,
      tableName,
      consumers: application.streams,
      invoke: faults.deliveries('streams', lambda.invoke),
      deadLetters,
    });
    const s3Server: LocalS3Server = await listening(`S3 on port ${s3Port}`, 'S3_PORT', () =>
      startS3Server({ host, port: s3Port, s3 }),
    );
    stoppers.push(() => s3Server.close());
    const cognito = localCognito(userPool, { apiUrl, sesUrl: `http://${host}:${sesPort}`, dataDir, clock });
    const endpoint = await listening(`local AWS endpoint on port ${awsPort}`, 'LOCAL_AWS_PORT', () =>
      startLocalAwsEndpoint({ host, port: awsPort, bus, queues, scheduler, firehose, athena, cognito }),
    );
    stoppers.push(() => endpoint.close());
    const ses = await listening(`SES on port ${sesPort}`, 'SES_PORT', () =>
      startSesFront({
        host,
        port: sesPort,
        bus,
        clock,
        configurationSet: 'funnel-local',
        // The operator's own sender, verified as an operator verifies it in SES before going live;
        // and the user pool's, which Amazon verified.
        preverified: [SERVICE_SENDER_EMAIL, COGNITO_SENDER_EMAIL],
        ...(dataDir ? { stateFile: join(dataDir, 'ses-identities.json') } : {}),
        faults,
      }),
    );
    stoppers.push(() => ses.close());

    await Promise.all([tableReady, preloaded]);
    const tables = localClient(dynamodbEndpoint);
    const smtp = await listening(`SMTP on port ${options.smtpPort ?? 2525}`, 'SMTP_PORT', () =>
      startLocalSmtp({
        host,
        port: options.smtpPort ?? 2525,
        domain: INBOUND_MAIL_DOMAIN,
        s3,
        tenantExists: async (tenantId) => {
          const { Item } = await tables.send(
            new GetItemCommand({
              TableName: tableName,
              Key: { PK: { S: `T#${tenantId}#TENANT` }, SK: { S: 'TENANT' } },
              ProjectionExpression: 'PK',
            }),
          );
          return Item !== undefined;
        },
      }),
    );
    stoppers.push(() => smtp.close());

    await poller.start();
    stoppers.push(async () => poller.stop());
    scheduler.start();
    stoppers.push(async () => scheduler.stop());

    let invocations = 0;
    lambda.onInvocation(() => {
      invocations++;
    });
    const settle = async ({ buffers = true }: SettleOptions = {}) => {
      await s3.expire(clock.now());
      for (let round = 0; round < 50; round++) {
        const before = invocations;
        await poller.settle();
        await ses.idle();
        await bus.idle();
        await queues.idle();
        if (buffers) {
          await firehose.flush();
          for (const log of accessLogs) await log.flush();
        }
        await s3.idle();
        await scheduler.idle();
        if (invocations === before) return;
      }
      throw new Error('The local runtime did not settle after 50 rounds: an event loop between handlers?');
    };

    const replay = (letter: DeadLetter) => {
      switch (letter.source) {
        case 'bus':
          return bus.replay(letter);
        case 'queue':
          return queues.replay(letter);
        case 'scheduler':
          return scheduler.replay(letter);
        case 'stream':
          return poller.replay(letter);
        case 's3':
          return s3.replay(letter);
      }
    };

    const local = localRoutes({
      dynamodbEndpoint,
      tableName,
      sesUrl: ses.url,
      s3Url: s3Server.url,
      store,
      scheduler,
      deadLetters,
      replay,
      settle,
      clock: localClock,
      console: consoleRoutes(),
      faults,
    });
    const api: ApiGateway = await listening(`the API on port ${port}`, 'PORT', () =>
      startApiGateway({
        application,
        invoke: lambda.invoke,
        host,
        port,
        clock,
        ...(options.authorizerCacheTtlSeconds !== undefined
          ? { authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds }
          : {}),
        ...(options.rateLimits === false ? { rateLimits: false } : {}),
        accessLog: {
          write: (line) => {
            for (const log of accessLogs) log.write(line);
          },
        },
        local,
      }),
    );
    stoppers.push(() => api.close());

    const runtime: LocalRuntime = {
      describe: () => ({
        routes: api.routes(),
        rules: bus.describe(),
        schedules: scheduler.list().filter((s) => s.kind === 'global'),
        queues: queues.describe(),
        streams: poller.describe(),
        rateLimits: api.rateLimits(),
        buckets: application.buckets,
        deliveryStreams: firehose.describe(),
        tables: application.tables,
      }),
      urls: {
        api: api.url,
        docs: `${api.url}/docs`,
        openapi: `${api.url}/v1/openapi.json`,
        console: `${api.url}${CONSOLE_PATH}/`,
        mailViewer: ses.url,
        smtp: smtp.url,
        aws: endpoint.url,
        s3: s3Server.url,
        dynamodb: dynamodbEndpoint,
      },
      lambda,
      bus,
      scheduler,
      queues,
      streams: poller,
      s3,
      firehose,
      athena,
      deadLetters,
      cognito,
      smtp,
      faults,
      settle,
      stop: stopAll,
    };
    // Tenants kept in .funnel/ from an earlier version get the per-tenant schedules declared since.
    // Once the API serves: nothing it answers waits on this job.
    if (application.schedules.some((s) => s.name === 'reconcile-schedules'))
      await scheduler.runNow('reconcile-schedules');
    if (options.seedOperator ?? options.seedDemoTenant ?? true) {
      runtime.operator = await seedOperator(api.url, ses.url, dataDir, settle);
    }
    if (options.seedDemoTenant ?? true) {
      runtime.demo = await seedDemoTenant(api.url, ses.url, dataDir, cognito, settle);
    }
    return runtime;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function listening<T>(what: string, variable: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(
        `Cannot start ${what}: the port is already in use (set ${variable} to use another).`,
        { cause: error },
      );
    }
    throw error;
  }
}

function sesAccount(maxSendRate: number) {
  return {
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'MARKETING',
      ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
      UseCaseDescription: 'Funnel CRM local runtime',
      WebsiteURL: 'http://127.0.0.1',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: maxSendRate, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: [] },
  };
}

const DEMO_SIGNUP = {
  name: 'Demo Company',
  timeZone: 'Europe/Paris',
  currency: 'EUR',
  sender: { name: 'Demo Company', email: 'hello@demo.example' },
  postalAddress: { lines: ['1 Rue de la Paix'], city: 'Paris', postalCode: '75002', country: 'FR' },
  financeEmail: 'finance@demo.example',
  admin: { name: 'Demo Admin', email: 'admin@demo.example' },
};

/**
 * Signs up a demo tenant through the API itself, once per data directory, verifies it as a user
 * would (its admin follows the link mailed to them, its sender the one SES mails it, both read
 * from the mail store), and gives its admin a console password for good (as an operator would
 * with AdminSetUserPassword), printed in the banner.
 */
async function seedDemoTenant(
  apiUrl: string,
  mailUrl: string,
  dataDir: string | null,
  cognito: LocalCognito,
  settle: () => Promise<void>,
): Promise<DemoTenant> {
  const file = dataDir ? join(dataDir, 'demo-tenant.json') : undefined;
  const saved =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoTenant>) : {};
  let demo: Omit<DemoTenant, 'adminPassword'> & { adminPassword?: string };
  if (saved.tenantId && saved.apiKey) {
    demo = {
      tenantId: saved.tenantId,
      apiKey: saved.apiKey,
      adminEmail: saved.adminEmail ?? DEMO_SIGNUP.admin.email,
    };
    if (saved.adminPassword) demo.adminPassword = saved.adminPassword;
  } else {
    const response = await fetch(`${apiUrl}/v1/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DEMO_SIGNUP),
    });
    if (response.status !== 201)
      throw new StartupError(`Could not create the demo tenant: ${await response.text()}`);
    const created = (await response.json()) as { tenant: { id: string }; apiKey: { key: string } };
    await verifyTenantByMail(
      { urls: { mailViewer: mailUrl }, settle },
      DEMO_SIGNUP.admin.email,
      DEMO_SIGNUP.sender.email,
    ).catch((error: unknown) => {
      throw new StartupError(`Could not verify the demo tenant: ${(error as Error).message}`);
    });
    demo = { tenantId: created.tenant.id, apiKey: created.apiKey.key, adminEmail: DEMO_SIGNUP.admin.email };
  }
  // The invitation (the admin's Cognito user) is created from the MemberAdded event.
  await settle();
  if (!demo.adminPassword) {
    demo.adminPassword = generatePassword();
    await cognito.setPassword(demo.adminEmail, demo.adminPassword);
  }
  const complete = { ...demo, adminPassword: demo.adminPassword };
  if (file) writeFileSync(file, JSON.stringify(complete, null, 2), { mode: 0o600 });
  return complete;
}

/** The user pool's stand-in: invitations and reset codes go through the local SES, like Cognito's. */
function localCognito(
  userPool: { id: string; clientId: string; issuer: string },
  options: { apiUrl: string; sesUrl: string; dataDir: string | null; clock: Clock | undefined },
): LocalCognito {
  const ses = new SESv2Client({ endpoint: options.sesUrl });
  return new LocalCognito({
    userPoolId: userPool.id,
    clientId: userPool.clientId,
    issuer: userPool.issuer,
    invitation: invitationMessage(`${options.apiUrl}${CONSOLE_PATH}/`),
    sendMail: async ({ to, subject, text }) => {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: COGNITO_SENDER_EMAIL,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      );
    },
    ...(options.dataDir ? { stateFile: join(options.dataDir, 'cognito.json') } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

interface LocalRouteDeps {
  dynamodbEndpoint: string;
  tableName: string;
  sesUrl: string;
  s3Url: string;
  store: ObjectStore;
  scheduler: LocalScheduler;
  deadLetters: MemoryDeadLetters;
  replay(letter: DeadLetter): Promise<void>;
  settle(): Promise<void>;
  clock: LocalClock;
  /** Serves the console at /app; returns false for other paths. */
  console(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  faults: LocalFaults;
}

interface LocalClock {
  now(): Date;
  offsetMs(): number;
  /** Now is `instant` from here on (time keeps flowing); undefined goes back to the real time. */
  set(instant: Date | undefined): void;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, detail: string) {
  json(res, status, {
    type: 'about:blank',
    title: status === 404 ? 'Not found' : 'Bad request',
    status,
    detail,
  });
}

/** `/health` and `/_local/*`: exist only here, never in AWS. */
function localRoutes(deps: LocalRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (await deps.console(req, res)) return true;
    if (url.pathname === '/health' && method === 'GET') {
      const parts = await healthOf(deps);
      const healthy = Object.values(parts).every((p) => p.status === 'ok');
      json(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'degraded', parts });
      return true;
    }
    if (!url.pathname.startsWith('/_local/')) return false;
    const parts = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
    try {
      if (method === 'GET' && parts.length === 1 && parts[0] === 'schedules') {
        json(res, 200, { items: deps.scheduler.list() });
      } else if (method === 'POST' && parts.length === 3 && parts[0] === 'schedules' && parts[2] === 'run') {
        const input = body.byteLength ? (JSON.parse(body.toString('utf8')) as { asOf?: string }) : {};
        const runs = await deps.scheduler.runNow(parts[1]!, input.asOf ? { asOf: input.asOf } : {});
        await deps.settle();
        json(res, runs.every((r) => r.ok) ? 200 : 500, { runs });
      } else if (method === 'GET' && parts.length === 1 && parts[0] === 'dead-letters') {
        json(res, 200, { items: deps.deadLetters.list() });
      } else if (
        method === 'POST' &&
        parts.length === 3 &&
        parts[0] === 'dead-letters' &&
        parts[2] === 'replay'
      ) {
        const letter = deps.deadLetters.take(parts[1]!);
        if (!letter) {
          problem(res, 404, `No dead letter ${parts[1]}.`);
          return true;
        }
        await deps.replay(letter);
        await deps.settle();
        json(res, 200, { replayed: letter.id });
      } else if (parts.length === 1 && parts[0] === 'clock' && ['GET', 'POST', 'DELETE'].includes(method)) {
        if (method === 'POST') {
          const input = body.byteLength ? (JSON.parse(body.toString('utf8')) as { now?: string }) : {};
          const instant = new Date(input.now ?? '');
          if (Number.isNaN(instant.getTime())) throw new Error('Send { "now": "<ISO 8601 date-time>" }.');
          deps.clock.set(instant);
        } else if (method === 'DELETE') deps.clock.set(undefined);
        json(res, 200, { now: deps.clock.now().toISOString(), offsetMs: deps.clock.offsetMs() });
      } else if (parts[0] === 'faults' && parts.length <= 2) {
        const answer = answerFaultRequest(deps.faults, method, parts.slice(1), body);
        if (answer) json(res, answer.status, answer.body);
        else problem(res, 404, `${method} ${url.pathname} is not a local runtime endpoint.`);
      } else if (method === 'POST' && parts.length === 1 && parts[0] === 'settle') {
        await deps.settle();
        json(res, 200, { settled: true });
      } else {
        problem(res, 404, `${method} ${url.pathname} is not a local runtime endpoint.`);
      }
    } catch (error) {
      const status = (error as { name?: string }).name?.includes('NotFound') ? 404 : 400;
      problem(res, status, (error as Error).message);
    }
    return true;
  };
}

async function healthOf(
  deps: LocalRouteDeps,
): Promise<Record<string, { status: 'ok' | 'down'; detail: string }>> {
  const check = async (run: () => Promise<string>) => {
    try {
      return { status: 'ok' as const, detail: await run() };
    } catch (error) {
      return { status: 'down' as const, detail: (error as Error).message };
    }
  };
  const client = localClient(deps.dynamodbEndpoint);
  const [dynamodb, ses, s3] = await Promise.all([
    check(async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: deps.tableName }));
      return `table ${deps.tableName} ${Table?.TableStatus}`;
    }),
    check(async () => {
      const response = await fetch(`${deps.sesUrl}/health-check`);
      if (!response.ok) throw new Error(`mail viewer answered ${response.status}`);
      return `mail viewer at ${deps.sesUrl}`;
    }),
    check(async () => {
      const buckets = await deps.store.buckets();
      // Unsigned, so S3 answers 403: what matters is that it answers.
      const response = await fetch(`${deps.s3Url}/`);
      if (response.status !== 403) throw new Error(`S3 answered ${response.status}`);
      return `${buckets.length} buckets at ${deps.s3Url}, objects under ${deps.store.root}`;
    }),
  ]);
  client.destroy();
  return {
    api: { status: 'ok', detail: 'serving' },
    dynamodb,
    ses,
    s3,
    scheduler: { status: 'ok', detail: `${deps.scheduler.list().length} schedules` },
    deadLetters: { status: 'ok', detail: `${deps.deadLetters.list().length} dead letters` },
  };
}

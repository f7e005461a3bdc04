import type { TestProject } from 'vitest/node';
import { type SesFront, startSesFront } from '../../infra/local/aws/ses-front.ts';
import { ensureConsoleBuilt } from '../../infra/local/console.ts';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.ts';
import { freePort } from '../../infra/local/ports.ts';
import { SERVICE_SENDER_EMAIL } from './service-sender.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One DynamoDB Local per worker: the one of worker n (VITEST_POOL_ID) is at index n - 1. */
    dynamodbEndpoints: string[];
    sesEndpoint: string;
  }
}

/**
 * Starts the emulators once per test run and stops them when it ends, and builds the console when
 * its sources changed (the browser suites and npm start serve web/dist).
 *
 * Each worker gets a DynamoDB Local of its own: DynamoDB Local runs every statement on one SQLite
 * thread, and with one instance for the run that thread was busy 41 of a 44-minute `npm test`
 * while the workers waited on it.
 */
export default async function setup(project: TestProject) {
  await ensureConsoleBuilt();
  const workers = Math.max(1, project.config.maxWorkers ?? 1);
  const [sesPort, ...dynamoPorts] = (await Promise.all(
    Array.from({ length: workers + 1 }, () => freePort()),
  )) as [number, ...number[]];
  const started = await Promise.allSettled(dynamoPorts.map((port) => startDynamoDbLocal({ port })));
  const dynamos = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let ses: SesFront | undefined;
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    // The SES front (identities, refusals) without a bus: integration tests publish no SES events.
    ses = await startSesFront({
      host: '127.0.0.1',
      port: sesPort,
      configurationSet: 'funnel-test',
      preverified: [SERVICE_SENDER_EMAIL],
    });
  } catch (error) {
    await Promise.all(dynamos.map((dynamo) => dynamo.stop()));
    throw error;
  }
  project.provide(
    'dynamodbEndpoints',
    dynamos.map((dynamo) => dynamo.endpoint),
  );
  project.provide('sesEndpoint', `http://127.0.0.1:${sesPort}`);
  return async () => {
    await ses?.close();
    await Promise.all(dynamos.map((dynamo) => dynamo.stop()));
  };
}

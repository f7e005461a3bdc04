import type { TestProject } from 'vitest/node';
import { type SesFront, startSesFront } from '../../infra/local/aws/ses-front.ts';
import { ensureConsoleBuilt } from '../../infra/local/console.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb.ts';
import { freePort } from '../../infra/local/ports.ts';
import { SERVICE_SENDER_EMAIL } from './service-sender.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sesEndpoint: string;
  }
}

/**
 * Starts the shared emulators once per test run and stops them when it ends, and builds the
 * console when its sources changed (the browser suites and npm start serve web/dist).
 */
export default async function setup(project: TestProject) {
  await ensureConsoleBuilt();
  const [dynamoPort, sesPort] = await Promise.all([freePort(), freePort()]);
  let dynamo: DynamoDbLocal | undefined;
  let ses: SesFront | undefined;
  try {
    dynamo = await startDynamoDbLocal({ port: dynamoPort });
    // The SES front (identities, refusals) without a bus: integration tests publish no SES events.
    ses = await startSesFront({
      host: '127.0.0.1',
      port: sesPort,
      configurationSet: 'funnel-test',
      preverified: [SERVICE_SENDER_EMAIL],
    });
  } catch (error) {
    await dynamo?.stop();
    throw error;
  }
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('sesEndpoint', `http://127.0.0.1:${sesPort}`);
  return async () => {
    await ses?.close();
    await dynamo?.stop();
  };
}

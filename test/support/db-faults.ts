import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../../infra/local/aws/dynamodb-faults.ts';
import { type FaultSpec, LocalFaults } from '../../infra/local/aws/faults.ts';
import type { TenantContext } from '../../shared/platform/context.ts';

/**
 * For integration tests of a job or consumer: the local fault proxy in front of this file's
 * DynamoDB Local, and contexts whose table calls go through it with no SDK retry, so one injected
 * fault reaches the code as DynamoDB failing beyond the SDK's own retries would.
 */
export interface TableFaults {
  /**
   * Runs `work` as the bus or the scheduler delivers it: the first attempt meets `fault` on its
   * way, and a failed delivery is delivered again (with the table healthy).
   */
  deliver(
    ctx: TenantContext,
    fault: Omit<FaultSpec, 'service'>,
    work: (ctx: TenantContext) => Promise<unknown>,
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function startTableFaults(): Promise<TableFaults> {
  const faults = new LocalFaults(1);
  const proxy: DynamoDbFaultProxy = await startDynamoDbFaultProxy({
    host: '127.0.0.1',
    upstream: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    faults,
  });
  const client = new DynamoDBClient({ endpoint: proxy.url, maxAttempts: 1 });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    async deliver(ctx, fault, work) {
      faults.inject({ service: 'dynamodb', ...fault });
      const failed = await work({ ...ctx, db }).then(
        () => false,
        () => true,
      );
      faults.clear();
      if (failed) await work(ctx);
    },
    async stop() {
      client.destroy();
      await proxy.close();
    },
  };
}

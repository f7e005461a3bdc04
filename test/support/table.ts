import { ensureTable } from '../../infra/local/dynamodb.ts';

/** Creates this test file's table (named by test/support/environment.ts) on DynamoDB Local. */
export async function useTable(): Promise<string> {
  const tableName = process.env.TABLE_NAME!;
  await ensureTable(process.env.AWS_ENDPOINT_URL_DYNAMODB!, tableName);
  return tableName;
}

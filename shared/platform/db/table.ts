import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single table, described once. The CDK stack and the local runtime (and the tests) both build
 * the table from this object, so the local table always has the same keys, indexes and stream.
 *
 * Indexes are overloaded: each module decides what GSIn holds for its items (docs/data-model.md).
 * Every index partition key starts with the tenant id, like the table's own partition key.
 */
export const table = {
  partitionKey: 'PK',
  sortKey: 'SK',
  indexes: ['GSI1', 'GSI2', 'GSI3', 'GSI4', 'GSI5', 'GSI6'].map((name) => ({
    name,
    partitionKey: `${name}PK`,
    sortKey: `${name}SK`,
  })),
  /** Epoch seconds; DynamoDB deletes the item some time after (up to 48 h): filter on read too. */
  ttlAttribute: 'expiresAt',
  streamView: 'NEW_AND_OLD_IMAGES',
} as const;

export type IndexName = (typeof table.indexes)[number]['name'];

export function createTableInput(tableName: string): CreateTableCommandInput {
  const attributes = [
    table.partitionKey,
    table.sortKey,
    ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: table.partitionKey, KeyType: 'HASH' },
      { AttributeName: table.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: table.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamView },
  };
}

import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { sdkBaselineSource } from '../../../bench/sdk-baseline.ts';

const sdk = (pkg: string, file: string) => `node_modules/@aws-sdk/${pkg}/dist-es/${file}`;
const input = (imports: string[] = []) => ({
  bytes: 100,
  imports: imports.map((original) => ({ path: original, kind: 'import-statement' as const, original })),
});

describe('the SDK-only baseline of a function bundle', () => {
  it('holds the clients and commands the bundle kept, of the packages the code imports itself', async () => {
    const metafile: Metafile = {
      inputs: {
        'shared/platform/db/client.ts': input(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']),
        [sdk('client-dynamodb', 'DynamoDBClient.js')]: input(['@aws-sdk/core']),
        [sdk('client-dynamodb', 'commands/GetItemCommand.js')]: input(),
        [sdk('client-dynamodb', 'commands/ScanCommand.js')]: input(),
        [sdk('lib-dynamodb', 'DynamoDBDocumentClient.js')]: input(),
        [sdk('lib-dynamodb', 'commands/QueryCommand.js')]: input(),
        [sdk('core', 'index.js')]: input(),
      },
      outputs: {
        'index.mjs': {
          bytes: 1000,
          imports: [],
          exports: [],
          entryPoint: 'functions/http/contacts.ts',
          inputs: {
            [sdk('client-dynamodb', 'DynamoDBClient.js')]: { bytesInOutput: 10 },
            [sdk('client-dynamodb', 'commands/GetItemCommand.js')]: { bytesInOutput: 10 },
            // Tree-shaken away: not in the baseline either.
            [sdk('client-dynamodb', 'commands/ScanCommand.js')]: { bytesInOutput: 0 },
            [sdk('lib-dynamodb', 'DynamoDBDocumentClient.js')]: { bytesInOutput: 10 },
            [sdk('lib-dynamodb', 'commands/QueryCommand.js')]: { bytesInOutput: 10 },
            [sdk('core', 'index.js')]: { bytesInOutput: 10 },
          },
        },
      },
    };
    const { source, packages } = await sdkBaselineSource(metafile);
    expect(packages).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
    expect(source).toContain("import * as sdk0 from '@aws-sdk/client-dynamodb';");
    expect(source).toContain('sdk0.GetItemCommand');
    expect(source).toContain('sdk1.QueryCommand');
    expect(source).not.toContain('ScanCommand');
    expect(source).toContain('new sdk0.DynamoDBClient({})');
    expect(source).toContain('sdk1.DynamoDBDocumentClient.from(new LowLevelClient({}))');
  });

  it('is empty for a function that uses no AWS SDK client', async () => {
    const { source, packages } = await sdkBaselineSource({
      inputs: { 'functions/http/fallback.ts': input() },
      outputs: {},
    });
    expect(packages).toEqual([]);
    expect(source).toBe('export const sdk = [];\nexport const clients = [];\n');
  });
});

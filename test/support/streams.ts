import { application } from '../../functions/app/index.ts';
import { MemoryDeadLetters } from '../../infra/local/aws/dead-letters.ts';
import { LocalStreamPoller } from '../../infra/local/aws/streams.ts';
import { LocalLambda } from '../../infra/local/lambda.ts';
import { REPO_ROOT } from '../../infra/local/runtime.ts';

export interface Derivations {
  poller: LocalStreamPoller;
  deadLetters: MemoryDeadLetters;
  /** Resolves once every change committed so far has been derived from. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The table's stream consumers that derive items from committed changes (history and timeline
 * entries, contact index items, purchase history), run in this process on the test file's table,
 * as the local runtime runs them. Integration tests have no bus, so the outbox relay is left out.
 * Start it before the writes whose derived items a test reads, and await `settle()` before reading.
 */
export async function startDerivations(): Promise<Derivations> {
  const consumers = application.streams.filter((s) => s.target !== 'publish-events');
  const targets = new Set(consumers.map((c) => c.target));
  const lambda = new LocalLambda(
    application.functions.filter((f) => targets.has(f.name)),
    { root: REPO_ROOT, functionArnPrefix: 'arn:aws:lambda:us-east-1:000000000000:function:' },
  );
  // Imported now, in the hook, rather than in the first test that waits for a derived item.
  await lambda.preload();
  const deadLetters = new MemoryDeadLetters();
  const poller = new LocalStreamPoller({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    tableName: process.env.TABLE_NAME!,
    consumers,
    invoke: lambda.invoke,
    deadLetters,
    intervalMs: 60_000,
    retryDelayMs: 20,
  });
  await poller.start();
  return {
    poller,
    deadLetters,
    settle: async () => {
      // A consumer's writes can be changes other consumers derive from.
      for (let round = 0; round < 10; round++) if ((await poller.settle()) === 0) return;
      throw new Error('The stream did not settle after 10 rounds.');
    },
    stop: () => poller.stop(),
  };
}

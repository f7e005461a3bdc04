import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { readEnv, required } from '../config.ts';
import { CORRELATION_ATTRIBUTE, correlationId } from '../correlation.ts';

/** Queue URLs are `<prefix><declared queue name>`. */
const env = readEnv({ QUEUE_URL_PREFIX: required() });
const client = new SQSClient({});

export function queueUrl(queue: string): string {
  return `${env.QUEUE_URL_PREFIX}${queue}`;
}

/**
 * Sends messages ten per call, retrying entries SQS reports as failed; throws if some still fail.
 * `delaySeconds` (at most 900, SQS's limit) keeps them invisible that long.
 */
export async function sendMessages(
  queue: string,
  messages: Array<Record<string, unknown>>,
  options: { delaySeconds?: number } = {},
): Promise<void> {
  const correlation = correlationId();
  for (let start = 0; start < messages.length; start += 10) {
    let pending: SendMessageBatchRequestEntry[] = messages.slice(start, start + 10).map((body, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(body),
      // The action that sent it: the consumer's logs carry it on (../correlation.ts).
      ...(correlation
        ? { MessageAttributes: { [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: correlation } } }
        : {}),
      ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
    }));
    for (let attempt = 0; pending.length && attempt < 4; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const result = await client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl(queue), Entries: pending }),
      );
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
    if (pending.length) throw new Error(`SQS refused ${pending.length} messages for ${queue} after retries.`);
  }
}

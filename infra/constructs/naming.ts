import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** `publish-events` → `PublishEvents`: construct ids (and so logical ids) follow declared names. */
export function constructId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** Every queue of the stack: encrypted by SQS, TLS only. */
export function secureQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    ...props,
  });
}

/** A dead-letter queue keeps messages for the longest time SQS allows, so there is time to look. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return secureQueue(scope, id, { retentionPeriod: Duration.days(14) });
}

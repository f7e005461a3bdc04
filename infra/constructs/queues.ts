import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { batchingWindowSeconds, type QueueSpec, type StreamConsumerSpec } from '../../functions/app/types.ts';
import type { DataTable } from './data.ts';
import { deadLetterQueue, secureQueue } from './naming.ts';

/** A declared work queue, its dead-letter queue and its consumer. */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(
    scope: Construct,
    id: string,
    props: { spec: QueueSpec; queueName: string; consumer: lambda.Function },
  ) {
    super(scope, id);
    const { spec, consumer } = props;
    const consumerTimeout = consumer.timeout?.toSeconds() ?? 3;
    if (spec.visibilityTimeoutSeconds < consumerTimeout) {
      // Lambda refuses the event source mapping, and a message would reappear mid-processing.
      throw new Error(
        `Queue ${spec.name}: visibility timeout ${spec.visibilityTimeoutSeconds} s is shorter than ` +
          `the timeout of ${spec.consumer} (${consumerTimeout} s).`,
      );
    }
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    this.queue = secureQueue(this, 'Queue', {
      queueName: props.queueName,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: spec.maxReceiveCount },
    });
    consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: spec.batchSize,
        ...(batchingWindowSeconds(spec)
          ? { maxBatchingWindow: Duration.seconds(batchingWindowSeconds(spec)) }
          : {}),
        reportBatchItemFailures: true,
        ...(spec.maxConcurrency ? { maxConcurrency: spec.maxConcurrency } : {}),
      }),
    );
  }
}

/** A declared consumer of the table stream: filtered, retried, bisected, with a dead-letter queue. */
export class StreamConsumer extends Construct {
  readonly deadLetters: sqs.Queue;

  constructor(
    scope: Construct,
    id: string,
    props: { spec: StreamConsumerSpec; data: DataTable; consumer: lambda.Function },
  ) {
    super(scope, id);
    const { spec } = props;
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    props.consumer.addEventSource(
      new DynamoEventSource(props.data.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: spec.batchSize,
        retryAttempts: spec.retryAttempts,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetters),
        filters: spec.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)),
      }),
    );
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { api5xxRate, sesReputation } from './dashboard.ts';

/**
 * Alarms that tell someone: any message in a dead-letter queue, any function error or throttle, the
 * API's 5xx rate and p99 latency, a stream consumer falling behind, SES reputation.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Funnel CRM alarms', enforceSSL: true });
    // A topic policy replaces SNS's default one, which is what let CloudWatch publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.action = new SnsAction(this.topic);
  }

  deadLetterQueue(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.alarm(id, {
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      alarmDescription: `Messages in the dead-letter queue of ${what}: work failed for good and waits for a look.`,
    });
  }

  function(id: string, fn: lambda.IFunction, name: string): void {
    this.alarm(`${id}Errors`, {
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      alarmDescription: `The ${name} function failed at least once in five minutes.`,
    });
    this.alarm(`${id}Throttles`, {
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      alarmDescription: `The ${name} function was throttled at least once in five minutes.`,
    });
  }

  /** The API: 5xx above 1 % of requests, or a p99 latency above 3 s, over five minutes. */
  api(api: apigw.HttpApi): void {
    this.alarm('Api5xxRate', {
      metric: api5xxRate(api),
      threshold: 1,
      alarmDescription: 'More than 1 % of API requests answered 5xx in five minutes.',
    });
    this.alarm('ApiLatencyP99', {
      metric: api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
      threshold: 3000,
      alarmDescription: "The API's p99 latency was above 3 seconds for five minutes.",
    });
  }

  /** A stream consumer more than a minute behind the table's changes. */
  iteratorAge(id: string, fn: lambda.IFunction, name: string): void {
    this.alarm(`${id}IteratorAge`, {
      metric: fn.metric('IteratorAge', { period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 60_000,
      alarmDescription: `The ${name} stream consumer is more than a minute behind the table's changes.`,
    });
  }

  /** SES's reputation, before SES itself reviews the account (5 % bounces, 0.1 % complaints). */
  sesReputation(): void {
    this.alarm('SesBounceRate', {
      metric: sesReputation('Reputation.BounceRate'),
      threshold: 0.05,
      alarmDescription: 'The SES account bounce rate is above 5 %: SES reviews accounts from there.',
    });
    this.alarm('SesComplaintRate', {
      metric: sesReputation('Reputation.ComplaintRate'),
      threshold: 0.001,
      alarmDescription: 'The SES account complaint rate is above 0.1 %: SES reviews accounts from there.',
    });
  }

  private alarm(
    id: string,
    props: { metric: cloudwatch.IMetric; alarmDescription: string; threshold?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      threshold: 0,
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}

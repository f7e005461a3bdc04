import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Alarms that tell someone: any message in a dead-letter queue, any function error or throttle. */
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

  private alarm(
    id: string,
    props: { metric: cloudwatch.IMetric; alarmDescription: string },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Functions watched by one alarm: 2 metrics each, within the 10 an alarm's metric math may read. */
const FUNCTIONS_PER_ALARM = 4;

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

  /**
   * Errors and throttles of the functions, a few functions per alarm: an alarm's metric math may
   * read at most 10 metrics, and one or two alarms per function would spend a fifth of
   * CloudFormation's 500 resources per stack on alarms alone. The description names the functions;
   * the Errors and Throttles metrics of each tell which one.
   */
  functions(functions: Array<{ id: string; fn: lambda.IFunction; name: string }>): void {
    for (let start = 0; start < functions.length; start += FUNCTIONS_PER_ALARM) {
      const group = functions.slice(start, start + FUNCTIONS_PER_ALARM);
      const usingMetrics: Record<string, cloudwatch.IMetric> = {};
      group.forEach(({ fn }, i) => {
        usingMetrics[`errors${i}`] = fn.metricErrors({ statistic: cloudwatch.Stats.SUM });
        usingMetrics[`throttles${i}`] = fn.metricThrottles({ statistic: cloudwatch.Stats.SUM });
      });
      this.alarm(`${group[0]!.id}Failures`, {
        metric: new cloudwatch.MathExpression({
          expression: 'SUM(METRICS())',
          usingMetrics,
          period: Duration.minutes(5),
          label: 'Errors and throttles',
        }),
        alarmDescription: `One of the functions ${group.map((g) => g.name).join(', ')} failed or was throttled at least once in five minutes.`,
      });
    }
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

import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DashboardProps {
  name: string;
  api: apigw.HttpApi;
  functions: ReadonlyArray<{ name: string; function: lambda.IFunction }>;
  /** The functions that consume the table's stream (their iterator age). */
  streamConsumers: ReadonlyArray<{ name: string; function: lambda.IFunction }>;
  deadLetterQueues: ReadonlyArray<{ catches: string; queue: sqs.IQueue }>;
}

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/** SES's account reputation, as CloudWatch publishes it (a rate between 0 and 1). */
export const sesReputation = (metricName: 'Reputation.BounceRate' | 'Reputation.ComplaintRate') =>
  new cloudwatch.Metric({
    namespace: 'AWS/SES',
    metricName,
    period: FIVE_MINUTES,
    statistic: cloudwatch.Stats.MAXIMUM,
  });

/** The API's 5xx answers as a percentage of its requests. */
export const api5xxRate = (api: apigw.HttpApi) =>
  new cloudwatch.MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: {
      errors: api.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      requests: api.metricCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
    },
    label: '5xx (% of requests)',
    period: FIVE_MINUTES,
  });

/** Graphs hold at most so many metrics; functions are drawn in groups. */
const chunks = <T>(items: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/**
 * One CloudWatch dashboard of the running service: the API (latency percentiles, 5xx), every
 * function's errors and duration, dead-letter depth, the stream consumers' iterator age, and SES
 * (reputation, sends and deliveries: campaign throughput).
 */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { api } = props;
    const latency = (statistic: string) =>
      api.metricLatency({ period: MINUTE, statistic, label: `latency ${statistic}` });
    const width = 12;
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [latency('p50'), latency('p90'), latency('p99')],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'API requests and 5xx',
        left: [
          api.metricCount({ period: MINUTE, statistic: cloudwatch.Stats.SUM, label: 'requests' }),
          api.metricServerError({ period: MINUTE, statistic: cloudwatch.Stats.SUM, label: '5xx' }),
        ],
        right: [api5xxRate(api)],
        width,
      }),
      ...chunks(props.functions, 20).flatMap((group, i) => [
        new cloudwatch.GraphWidget({
          title: `Function errors (${i + 1})`,
          left: group.map((f) =>
            f.function.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: f.name }),
          ),
          width,
        }),
        new cloudwatch.GraphWidget({
          title: `Function duration p99, ms (${i + 1})`,
          left: group.map((f) =>
            f.function.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label: f.name }),
          ),
          width,
        }),
      ]),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues: messages waiting',
        left: props.deadLetterQueues.map((d) =>
          d.queue.metricApproximateNumberOfMessagesVisible({
            period: MINUTE,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: d.catches.slice(0, 60),
          }),
        ),
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream iterator age (ms)',
        left: props.streamConsumers.map((c) =>
          c.function.metric('IteratorAge', {
            period: MINUTE,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: c.name,
          }),
        ),
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'SES reputation (bounce and complaint rates)',
        left: [sesReputation('Reputation.BounceRate'), sesReputation('Reputation.ComplaintRate')],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Mail throughput (campaigns and the rest): sends and deliveries per minute',
        left: ['Send', 'Delivery', 'Bounce', 'Complaint'].map(
          (metricName) =>
            new cloudwatch.Metric({
              namespace: 'AWS/SES',
              metricName,
              period: MINUTE,
              statistic: cloudwatch.Stats.SUM,
            }),
        ),
        width,
      }),
    ];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.name });
    for (const pair of chunks(widgets, 2)) this.dashboard.addWidgets(...pair);
  }
}

import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventPattern, RuleSpec } from '../../functions/app/types.ts';
import { constructId, deadLetterQueue } from './naming.ts';

/** How long EventBridge keeps trying to hand an event to a function before the DLQ gets it. */
const TARGET_RETRY = { retryAttempts: 10, maxEventAge: Duration.hours(6) };

/**
 * The domain bus, the account's default bus (where SES publishes) and the declared rules. Every
 * target has a retry policy and the shared dead-letter queue, so no event is dropped silently.
 */
export class EventRouting extends Construct {
  readonly domainBus: events.EventBus;
  readonly defaultBus: events.IEventBus;
  /** Events EventBridge could not deliver, and rule-triggered invocations that kept failing. */
  readonly deadLetters: sqs.Queue;
  readonly rules = new Map<string, events.Rule>();

  constructor(scope: Construct, id: string, props: { busName: string }) {
    super(scope, id);
    this.domainBus = new events.EventBus(this, 'DomainBus', {
      eventBusName: props.busName,
      description: 'Domain events of Funnel CRM, published from the table stream (outbox).',
    });
    this.defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
  }

  /** A rule to a function, or to another target (a delivery stream) that brings its own retries. */
  /** A rule's queue target: each event one message, failed deliveries into the events DLQ. */
  queueTarget(queue: sqs.IQueue): events.IRuleTarget {
    return new targets.SqsQueue(queue, { deadLetterQueue: this.deadLetters, ...TARGET_RETRY });
  }

  addRule(spec: RuleSpec, target: IFunction | events.IRuleTarget): events.Rule {
    const rule = new events.Rule(this, `Rule${constructId(spec.name)}`, {
      description: spec.description.slice(0, 512),
      eventBus: spec.bus === 'domain' ? this.domainBus : this.defaultBus,
      eventPattern: cdkEventPattern(spec.pattern),
      targets: [
        'functionArn' in target
          ? new targets.LambdaFunction(target, { deadLetterQueue: this.deadLetters, ...TARGET_RETRY })
          : target,
      ],
    });
    this.rules.set(spec.name, rule);
    return rule;
  }
}

/**
 * The declaration uses EventBridge's own JSON (`detail-type`); CDK's EventPattern spells that one
 * field `detailType` and passes every other field through as written.
 */
export function cdkEventPattern(pattern: EventPattern): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType ? { detailType } : {}) } as events.EventPattern;
}

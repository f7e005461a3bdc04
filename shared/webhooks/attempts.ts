import { Webhook } from 'standardwebhooks';
import { WebhookDelivered, WebhookDeliveryFailed, WebhookEndpointDisabled } from '../../events/webhooks.ts';
import { atExpression, upsertSchedule } from '../platform/aws/scheduler.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists } from '../platform/db/expressions.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { retryBaseSeconds, targetPolicy } from './config.ts';
import {
  attemptTrigger,
  autoAttempt,
  autoNumber,
  findDelivery,
  type StoredAttempt,
  type StoredDelivery,
  statusKeys,
} from './deliveries.ts';
import { webhookKeys } from './keys.ts';
import { enqueue, RETRY_SCHEDULE } from './queue.ts';
import {
  AlreadyDone,
  findEndpoint,
  ignoreAlreadyDone,
  liveSalts,
  markFailing,
  markHealthy,
  type StoredEndpoint,
} from './records.ts';
import type { AttemptMessage, DeliveryStatus } from './schema.ts';
import { signingSecret } from './secrets.ts';
import { type PostOutcome, postWebhook } from './transport.ts';

/**
 * One attempt of a delivery, as the delivery worker makes it: claimed once per attempt key (a
 * redelivered message finds the claim and stops; the same message redelivered after a crash takes
 * its claim back), signed with every live secret, sent, recorded with its outcome and an event,
 * then followed by the next automatic attempt when it failed. An endpoint that has failed every
 * attempt for DISABLE_AFTER is disabled, and its tenant's admins are emailed (docs/webhooks.md).
 */
export const DISABLE_AFTER_MS = 5 * 86_400_000;
/** SQS delays messages by at most 15 minutes; later retries are one-time schedules. */
const MAX_QUEUE_DELAY_SECONDS = 900;

class ClaimTaken extends ConflictError {
  constructor(readonly existing: StoredAttempt | undefined) {
    super('Another message holds this attempt.');
  }
}

export type AttemptResult = 'sent' | 'duplicate' | 'gone' | 'not-due' | 'skipped' | 'resumed';

/** Writes the claim of an attempt; returns the attempt it found instead when that is not ours. */
async function claim(
  ctx: TenantContext,
  delivery: StoredDelivery,
  key: string,
  messageId: string,
): Promise<StoredAttempt | undefined> {
  const trigger = attemptTrigger(key);
  const attempt: StoredAttempt = {
    id: key,
    trigger,
    ...(trigger === 'automatic' ? { number: autoNumber(key) } : {}),
    status: 'sending',
    startedAt: ctx.clock.now().toISOString(),
    messageId,
  };
  try {
    await unitOfWork(ctx)
      .put(
        {
          ...webhookKeys.attempt(ctx.tenantId, delivery.id, key),
          entity: 'WebhookAttempt',
          ...attempt,
          expiresAt: Math.floor(ctx.clock.now().getTime() / 1000) + 30 * 86_400,
        },
        {
          condition: (e) =>
            `attribute_not_exists(${e.name('PK')}) OR (${e.name('messageId')} = ${e.value(messageId)} AND ${e.name('status')} = ${e.value('sending')})`,
          onConditionFailed: (existing) => new ClaimTaken(existing as StoredAttempt | undefined),
        },
      )
      .commit();
    return undefined;
  } catch (error) {
    if (error instanceof ClaimTaken) return error.existing;
    throw error;
  }
}

async function signatureOf(
  ctx: TenantContext,
  endpoint: StoredEndpoint,
  delivery: StoredDelivery,
  at: Date,
): Promise<string> {
  const secrets = await Promise.all(
    liveSalts(endpoint, at).map((salt) => signingSecret(ctx.tenantId, endpoint.id, salt)),
  );
  // Several signatures, space-separated, are how Standard Webhooks rotates secrets without a gap.
  return secrets.map((secret) => new Webhook(secret).sign(delivery.id, at, delivery.body)).join(' ');
}

export async function runAttempt(
  ctx: TenantContext,
  message: AttemptMessage,
  messageId: string,
): Promise<AttemptResult> {
  const [endpoint, delivery] = await Promise.all([
    findEndpoint(ctx, message.endpointId, true),
    findDelivery(ctx, message.deliveryId, true),
  ]);
  if (!endpoint || !delivery || delivery.endpointId !== endpoint.id) return 'gone';
  const key = message.attempt;
  const automatic = attemptTrigger(key) === 'automatic';
  // An automatic attempt is due only while its chain goes on (a successful replay ends it).
  if (automatic && delivery.nextAttempt !== key) return 'not-due';
  if (endpoint.status !== 'enabled') {
    await skip(ctx, delivery);
    return 'skipped';
  }
  const existing = await claim(ctx, delivery, key, messageId);
  if (existing) {
    if (existing.messageId !== messageId || existing.status === 'sending') return 'duplicate';
    // Ours, and recorded: a crash after the record; make sure what follows it happened.
    await followUp(ctx, endpoint, delivery);
    return 'resumed';
  }
  const at = ctx.clock.now();
  const outcome = await postWebhook(
    endpoint.url,
    {
      'webhook-id': delivery.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': await signatureOf(ctx, endpoint, delivery, at),
    },
    delivery.body,
    targetPolicy,
  );
  const recorded = await record(ctx, delivery, key, outcome, at);
  await followUp(ctx, endpoint, recorded, outcome.ok);
  return 'sent';
}

/** The endpoint is disabled: the delivery is kept, as skipped, for a replay once it is enabled again. */
async function skip(ctx: TenantContext, delivery: StoredDelivery): Promise<void> {
  const skipped = { ...delivery, status: 'skipped' as const };
  await unitOfWork(ctx)
    .update(webhookKeys.delivery(ctx.tenantId, delivery.id), {
      set: { status: 'skipped', lastError: 'The endpoint is disabled.', ...statusKeys(ctx, skipped) },
      remove: ['nextAttempt', 'nextAttemptAt'],
      condition: exists,
    })
    .commit();
}

async function record(
  ctx: TenantContext,
  delivery: StoredDelivery,
  key: string,
  outcome: PostOutcome,
  at: Date,
): Promise<StoredDelivery> {
  const trigger = attemptTrigger(key);
  const number = trigger === 'automatic' ? autoNumber(key) : 1;
  const firstAttemptAt = delivery.firstAttemptAt ?? at.toISOString();
  const chainContinues =
    trigger === 'automatic' ? key === delivery.nextAttempt : delivery.nextAttempt !== undefined;
  // The backoff library is loaded by the first failure: deliveries that succeed never need it.
  const retry =
    !outcome.ok && trigger === 'automatic'
      ? (await import('./backoff.ts')).nextRetry(
          ctx.clock.now(),
          new Date(firstAttemptAt),
          delivery.backoff,
          retryBaseSeconds,
        )
      : undefined;
  const status: DeliveryStatus = outcome.ok
    ? 'succeeded'
    : retry || (trigger !== 'automatic' && chainContinues)
      ? 'retrying'
      : 'failed';
  const next: StoredDelivery = {
    ...delivery,
    status,
    attempts: delivery.attempts + 1,
    lastAttemptAt: at.toISOString(),
    firstAttemptAt,
  };
  const set: Record<string, unknown> = {
    status,
    lastAttemptAt: next.lastAttemptAt,
    firstAttemptAt,
    lastStatusCode: outcome.statusCode,
    lastLatencyMs: outcome.latencyMs,
    lastError: outcome.error,
    ...statusKeys(ctx, next),
  };
  const remove: string[] = [];
  if (outcome.ok || (trigger === 'automatic' && !retry)) {
    remove.push('nextAttempt', 'nextAttemptAt');
    delete next.nextAttempt;
    delete next.nextAttemptAt;
  } else if (retry) {
    next.nextAttempt = autoAttempt(number + 1);
    next.nextAttemptAt = retry.at.toISOString();
    next.backoff = retry.state;
    Object.assign(set, {
      nextAttempt: next.nextAttempt,
      nextAttemptAt: next.nextAttemptAt,
      backoff: retry.state,
    });
  }
  const uow = unitOfWork(ctx)
    .update(webhookKeys.attempt(ctx.tenantId, delivery.id, key), {
      set: {
        status: outcome.ok ? 'succeeded' : 'failed',
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        response: outcome.response,
        error: outcome.error,
      },
    })
    .update(webhookKeys.delivery(ctx.tenantId, delivery.id), {
      set,
      remove,
      add: { attempts: 1 },
      condition: exists,
    });
  const common = {
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    deliveredEventId: delivery.eventId,
    deliveredEventType: delivery.eventType,
    trigger,
    attempt: number,
    latencyMs: outcome.latencyMs,
  };
  if (outcome.ok) uow.publish(WebhookDelivered, { ...common, statusCode: outcome.statusCode! });
  else
    uow.publish(WebhookDeliveryFailed, {
      ...common,
      ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
      reason: outcome.reason ?? 'status',
      final: status === 'failed',
      ...(retry ? { nextAttemptAt: retry.at.toISOString() } : {}),
    });
  await uow.commit();
  return next;
}

/** The endpoint's health follows the attempt, and the next automatic attempt is on its way. */
async function followUp(
  ctx: TenantContext,
  endpoint: StoredEndpoint,
  delivery: StoredDelivery,
  succeeded = delivery.status === 'succeeded',
): Promise<void> {
  const now = ctx.clock.now();
  if (succeeded) {
    if (endpoint.failingSince) await markHealthy(ctx, endpoint.id);
  } else if (!endpoint.failingSince) {
    await markFailing(ctx, endpoint.id, now.toISOString());
  } else if (now.getTime() - new Date(endpoint.failingSince).getTime() >= DISABLE_AFTER_MS) {
    await disable(ctx, endpoint, endpoint.failingSince, now);
  }
  if (delivery.status === 'retrying' && delivery.nextAttempt && delivery.nextAttemptAt)
    await scheduleAttempt(
      ctx,
      delivery.endpointId,
      delivery.id,
      delivery.nextAttempt,
      new Date(delivery.nextAttemptAt),
    );
}

async function disable(
  ctx: TenantContext,
  endpoint: StoredEndpoint,
  failingSince: string,
  now: Date,
): Promise<void> {
  const disabledAt = now.toISOString();
  const days = Math.round(DISABLE_AFTER_MS / 86_400_000);
  const reason = `Every attempt failed for ${days} days (since ${failingSince}).`;
  const uow = unitOfWork(ctx).update(webhookKeys.endpoint(ctx.tenantId, endpoint.id), {
    set: { status: 'disabled', disabledAt, disabledReason: reason },
    bumpVersion: true,
    condition: (e) =>
      `${e.name('status')} = ${e.value('enabled')} AND ${e.name('failingSince')} = ${e.value(failingSince)}`,
    onConditionFailed: () => new AlreadyDone('The endpoint was disabled or recovered meanwhile.'),
  });
  uow.publish(WebhookEndpointDisabled, { endpointId: endpoint.id, failingSince, disabledAt, reason });
  await uow.commit().catch(ignoreAlreadyDone);
}

/** Hands an attempt to the queue when it is due: with a delay up to 15 minutes, later through a one-time schedule. */
export async function scheduleAttempt(
  ctx: TenantContext,
  endpointId: string,
  deliveryId: string,
  attempt: string,
  at: Date,
): Promise<void> {
  const message: AttemptMessage = {
    kind: 'attempt',
    tenantId: ctx.tenantId,
    endpointId,
    deliveryId,
    attempt,
  };
  const delaySeconds = Math.max(0, Math.ceil((at.getTime() - ctx.clock.now().getTime()) / 1000));
  if (delaySeconds <= MAX_QUEUE_DELAY_SECONDS) {
    await enqueue([message], delaySeconds);
    return;
  }
  await upsertSchedule({
    name: `${RETRY_SCHEDULE}-${deliveryId}-${attempt}`,
    expression: atExpression(at.toISOString()),
    timezone: 'UTC',
    target: 'webhooks-jobs',
    input: { schedule: RETRY_SCHEDULE, tenantId: ctx.tenantId, payload: { endpointId, deliveryId, attempt } },
    description: `Retry ${attempt} of webhook delivery ${deliveryId}`,
  });
}

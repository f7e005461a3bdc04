import { checkConditions, eventFields } from '../../events/conditions.ts';
import { EVENT_SOURCE_PREFIX } from '../../events/define.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  type Item,
  type Page,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  type FieldIssue,
  NotFoundError,
  PreconditionFailedError,
  UnprocessableError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { changesBetween, recordAudit } from '../tenancy/audit.ts';
import { targetPolicy } from './config.ts';
import { webhookKeys } from './keys.ts';
import { findEndpoint, type SecretSalt, type StoredEndpoint } from './records.ts';
import {
  ALL_EVENTS,
  type SecretRotation,
  type WebhookEndpoint,
  type WebhookEndpointCreate,
  type WebhookEndpointUpdate,
  type WebhookSubscription,
} from './schema.ts';
import { newSalt, signingSecret } from './secrets.ts';
import { deliverableEvent, deliverableEvents, MAX_ENDPOINTS } from './subscriptions.ts';
import { RefusedTarget, refusedUrl } from './target-url.ts';

/**
 * Webhook endpoints: a URL, the event types it receives with their filters, its status, and the
 * salts its signing secrets are derived from. An endpoint's subscription items (one per event
 * type) are written in the same transaction as the endpoint, so the fan-out finds exactly the
 * endpoints that exist. See docs/webhooks.md.
 */
export function eventTypeCatalog() {
  return {
    items: deliverableEvents().map((event) => ({
      type: event.type,
      module: event.source.slice(EVENT_SOURCE_PREFIX.length),
      description: event.description,
      fields: [...eventFields(event)].map(([name, field]) => ({
        name,
        kind: field.kind,
        ...(field.values ? { values: [...field.values] } : {}),
      })),
    })),
  };
}

function subscriptionIssues(events: WebhookSubscription[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  events.forEach((subscription, i) => {
    const at = `body.events.${i}`;
    if (seen.has(subscription.type)) {
      issues.push({ path: `${at}.type`, message: `${subscription.type} is listed twice.` });
      return;
    }
    seen.add(subscription.type);
    if (subscription.type === ALL_EVENTS) {
      if (events.length > 1)
        issues.push({ path: `${at}.type`, message: '* already means every event type: list it alone.' });
      if (subscription.conditions.length)
        issues.push({
          path: `${at}.conditions`,
          message: 'Conditions need one event type, whose fields they test; * has none.',
        });
      return;
    }
    const event = deliverableEvent(subscription.type);
    if (!event) {
      issues.push({
        path: `${at}.type`,
        message: `Unknown event type ${subscription.type}; known: ${deliverableEvents()
          .map((e) => e.type)
          .join(', ')} (or * for all).`,
      });
      return;
    }
    issues.push(...checkConditions(event, subscription.conditions, `${at}.conditions`));
  });
  return issues;
}

/** 400 for a malformed URL or subscription, 422 for a URL that points where webhooks may not go. */
async function assertValid(input: { url?: string; events?: WebhookSubscription[] }): Promise<void> {
  const issues = [
    ...(input.url !== undefined
      ? [refusedUrl(input.url, targetPolicy)]
          .filter((m): m is string => m !== undefined)
          .map((message) => ({ path: 'body.url', message }))
      : []),
    ...(input.events ? subscriptionIssues(input.events) : []),
  ];
  if (issues.length) throw new ValidationError(issues, issues[0]!.message);
  if (input.url === undefined) return;
  try {
    const { checkTarget } = await import('./target.ts');
    await checkTarget(new URL(input.url), targetPolicy);
  } catch (error) {
    if (!(error instanceof RefusedTarget)) throw error;
    throw new UnprocessableError(error.message, { errors: [{ path: 'body.url', message: error.message }] });
  }
}

const toEndpoint = (item: Item): WebhookEndpoint => {
  const { secrets, ...endpoint } = withoutKeys<StoredEndpoint>(item);
  const previous = secrets?.find((s) => s.expiresAt);
  return { ...endpoint, ...(previous?.expiresAt ? { previousSecretExpiresAt: previous.expiresAt } : {}) };
};

async function storedEndpoint(ctx: TenantContext, id: string): Promise<StoredEndpoint> {
  const endpoint = await findEndpoint(ctx, id, true);
  if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
  return endpoint;
}

export async function getEndpoint(ctx: TenantContext, id: string): Promise<WebhookEndpoint> {
  const endpoint = await findEndpoint(ctx, id);
  if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
  return toEndpoint(endpoint as unknown as Item);
}

export async function listEndpoints(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<WebhookEndpoint>> {
  return queryPage(ctx, { index: 'GSI1', partition: webhookKeys.endpoints(ctx.tenantId) }, page, toEndpoint);
}

function subscriptionItem(ctx: TenantContext, endpointId: string, subscription: WebhookSubscription): Item {
  return {
    ...webhookKeys.subscription(ctx.tenantId, endpointId, subscription.type),
    entity: 'WebhookSubscription',
    endpointId,
    type: subscription.type,
    conditions: subscription.conditions,
    GSI1PK: webhookKeys.subscribers(ctx.tenantId, subscription.type),
    GSI1SK: endpointId,
  };
}

function endpointItem(ctx: TenantContext, endpoint: StoredEndpoint): Item {
  return {
    ...webhookKeys.endpoint(ctx.tenantId, endpoint.id),
    entity: 'WebhookEndpoint',
    ...endpoint,
    GSI1PK: webhookKeys.endpoints(ctx.tenantId),
    GSI1SK: endpoint.id,
  };
}

export async function createEndpoint(
  ctx: TenantContext,
  input: WebhookEndpointCreate,
): Promise<WebhookEndpoint & { secret: string }> {
  await assertValid(input);
  const now = ctx.clock.now().toISOString();
  const endpoint: StoredEndpoint = {
    id: newId(),
    url: input.url,
    ...(input.description ? { description: input.description } : {}),
    events: input.events,
    status: 'enabled',
    secrets: [{ salt: newSalt(), createdAt: now }],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const uow = unitOfWork(ctx)
    .update(webhookKeys.count(ctx.tenantId), {
      add: { endpoints: 1 },
      // Named, so that a tenant's export files it under a kind of its own rather than "Unknown".
      set: { entity: 'WebhookEndpointCount' },
      condition: (e) =>
        `attribute_not_exists(${e.name('endpoints')}) OR ${e.name('endpoints')} < ${e.value(MAX_ENDPOINTS)}`,
      onConditionFailed: () =>
        new ConflictError(
          `A tenant has at most ${MAX_ENDPOINTS} webhook endpoints; delete one, or subscribe an existing one to more events.`,
        ),
    })
    .put(endpointItem(ctx, endpoint), { condition: notExists });
  for (const subscription of input.events) uow.put(subscriptionItem(ctx, endpoint.id, subscription));
  recordAudit(uow, ctx, {
    action: 'webhook_endpoint.created',
    target: { type: 'webhook_endpoint', id: endpoint.id },
  });
  await uow.commit();
  const secret = await signingSecret(ctx.tenantId, endpoint.id, endpoint.secrets[0]!.salt);
  return { ...toEndpoint(endpoint as unknown as Item), secret };
}

export async function updateEndpoint(
  ctx: TenantContext,
  id: string,
  input: WebhookEndpointUpdate,
  ifMatch?: number | 'any',
): Promise<WebhookEndpoint> {
  const current = await storedEndpoint(ctx, id);
  assertIfMatch(ifMatch, current);
  await assertValid({
    ...(input.url !== undefined && input.url !== current.url ? { url: input.url } : {}),
    ...(input.events ? { events: input.events } : {}),
  });
  const next: StoredEndpoint = {
    ...current,
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.events !== undefined ? { events: input.events } : {}),
  };
  if (input.description === null) delete next.description;
  else if (input.description !== undefined) next.description = input.description;
  if (input.status === 'enabled' && current.status === 'disabled') {
    next.status = 'enabled';
    delete next.disabledAt;
    delete next.disabledReason;
    delete next.failingSince;
  } else if (input.status === 'enabled') {
    // Enabling an enabled endpoint forgets its failures too: the receiver says it is fixed.
    delete next.failingSince;
  } else if (input.status === 'disabled' && current.status === 'enabled') {
    next.status = 'disabled';
    next.disabledAt = ctx.clock.now().toISOString();
    next.disabledReason = 'Disabled by a member.';
  }
  if (JSON.stringify(next) === JSON.stringify(current)) return toEndpoint(current as unknown as Item);
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const uow = unitOfWork(ctx).put(endpointItem(ctx, next), {
    condition: and(exists, hasVersion(current.version)),
    onConditionFailed: () => new PreconditionFailedError(),
  });
  if (input.events) {
    const kept = new Set(input.events.map((s) => s.type));
    for (const old of current.events)
      if (!kept.has(old.type)) uow.delete(webhookKeys.subscription(ctx.tenantId, id, old.type));
    for (const subscription of input.events) uow.put(subscriptionItem(ctx, id, subscription));
  }
  const { version: _v, updatedAt: _u, secrets: _s, ...before } = current;
  const { version: _nv, updatedAt: _nu, secrets: _ns, ...after } = next;
  recordAudit(uow, ctx, {
    action: 'webhook_endpoint.updated',
    target: { type: 'webhook_endpoint', id },
    changes: changesBetween(before, after),
  });
  await uow.commit();
  return toEndpoint(next as unknown as Item);
}

export async function deleteEndpoint(ctx: TenantContext, id: string): Promise<void> {
  const current = await storedEndpoint(ctx, id);
  const uow = unitOfWork(ctx)
    .delete(webhookKeys.endpoint(ctx.tenantId, id), {
      condition: and(exists, hasVersion(current.version)),
      onConditionFailed: () => new ConflictError('The endpoint changed meanwhile; try again.'),
    })
    .update(webhookKeys.count(ctx.tenantId), { add: { endpoints: -1 } });
  for (const subscription of current.events)
    uow.delete(webhookKeys.subscription(ctx.tenantId, id, subscription.type));
  recordAudit(uow, ctx, { action: 'webhook_endpoint.deleted', target: { type: 'webhook_endpoint', id } });
  await uow.commit();
}

/** The current secret and, during an overlap, until when the previous one still signs. */
export async function revealSecret(ctx: TenantContext, id: string) {
  const endpoint = await storedEndpoint(ctx, id);
  const uow = unitOfWork(ctx);
  recordAudit(uow, ctx, {
    action: 'webhook_endpoint.secret_revealed',
    target: { type: 'webhook_endpoint', id },
  });
  await uow.commit();
  return secretView(ctx, endpoint);
}

async function secretView(ctx: TenantContext, endpoint: StoredEndpoint) {
  const [current] = endpoint.secrets;
  const previous = endpoint.secrets.find((s) => s.expiresAt && new Date(s.expiresAt) > ctx.clock.now());
  return {
    secret: await signingSecret(ctx.tenantId, endpoint.id, current!.salt),
    ...(previous?.expiresAt ? { previousSecretExpiresAt: previous.expiresAt } : {}),
  };
}

/**
 * A new secret signs from now on; the current one keeps signing too until the overlap ends, so a
 * receiver can switch to the new secret without rejecting a delivery. A secret older than that
 * (a rotation during an overlap) stops at once.
 */
export async function rotateSecret(ctx: TenantContext, id: string, input: SecretRotation) {
  const current = await storedEndpoint(ctx, id);
  const now = ctx.clock.now();
  const [previous] = current.secrets;
  const secrets: SecretSalt[] = [
    { salt: newSalt(), createdAt: now.toISOString() },
    ...(previous && input.overlapHours > 0
      ? [{ ...previous, expiresAt: new Date(now.getTime() + input.overlapHours * 3_600_000).toISOString() }]
      : []),
  ];
  const next: StoredEndpoint = {
    ...current,
    secrets,
    updatedAt: now.toISOString(),
    version: current.version + 1,
  };
  const uow = unitOfWork(ctx).put(endpointItem(ctx, next), {
    condition: and(exists, hasVersion(current.version)),
    onConditionFailed: () => new ConflictError('The endpoint changed meanwhile; try again.'),
  });
  recordAudit(uow, ctx, {
    action: 'webhook_endpoint.secret_rotated',
    target: { type: 'webhook_endpoint', id },
    changes: { overlapHours: { from: null, to: input.overlapHours } },
  });
  await uow.commit();
  return secretView(ctx, next);
}

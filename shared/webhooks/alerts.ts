import type { TenantContext } from '../platform/context.ts';
import { queryAll } from '../platform/db/repository.ts';
import { publicUrl } from '../platform/links.ts';
import { escapeHtml } from '../platform/merge-fields.ts';
import { sendMailOnce } from '../tasks/one-time.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getTenant } from '../tenancy/records.ts';
import { webhookKeys } from './keys.ts';
import { findEndpoint } from './records.ts';

/**
 * The email an endpoint's disabling sends to each active admin of the tenant: once per admin and
 * disabling, whatever the redeliveries of the event. The URL is shown only as its host: a path
 * can hold a receiver's token, and mail is forwarded.
 */
export async function alertAdmins(
  ctx: TenantContext,
  event: { endpointId: string; disabledAt: string; failingSince: string; reason: string },
): Promise<number> {
  const [tenant, members, endpoint] = await Promise.all([
    getTenant(ctx),
    queryAll(ctx, { partition: tenancyKeys.members(ctx.tenantId), sort: { beginsWith: 'MEMBER#' } }),
    findEndpoint(ctx, event.endpointId),
  ]);
  if (!endpoint) return 0;
  const admins = members.filter((m) => m.role === 'admin' && m.status === 'active');
  const host = new URL(endpoint.url).host;
  const name = endpoint.description ? `"${endpoint.description}" (${host})` : host;
  const text = [
    `The webhook endpoint ${name} was disabled: ${event.reason}`,
    '',
    'Events are no longer sent to it; they are kept in its delivery log as skipped for 30 days.',
    'Once the receiver works again, enable the endpoint and replay what it missed:',
    `  PATCH ${publicUrl(`/v1/webhooks/${endpoint.id}`)} with {"status": "enabled"}`,
    `  POST ${publicUrl(`/v1/webhooks/${endpoint.id}/replays`)} with {"from": "${event.failingSince}", "to": "<now>"}`,
    `The delivery log says what it answered: GET ${publicUrl(`/v1/webhooks/${endpoint.id}/deliveries?status=failed`)}.`,
  ].join('\n');
  let sent = 0;
  for (const admin of admins) {
    const outcome = await sendMailOnce(
      ctx,
      webhookKeys.alert(ctx.tenantId, endpoint.id, event.disabledAt, String(admin.id)),
      {
        category: 'transactional',
        sender: { name: tenant.sender.name, email: tenant.sender.email },
        to: String(admin.email),
        subject: `Webhook endpoint disabled: ${name}`,
        text,
        html: `<p>${escapeHtml(text).replace(/\n/g, '<br>\n')}</p>`,
        tags: { kind: 'webhook-alert', endpointId: endpoint.id },
      },
    );
    if (outcome?.status === 'sent') sent++;
  }
  return sent;
}

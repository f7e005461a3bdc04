import type { TenantContext } from '../platform/context.ts';
import { queryAll } from '../platform/db/repository.ts';
import { translator } from '../platform/i18n/translator.ts';
import { publicUrl } from '../platform/links.ts';
import { renderTextEmail } from '../platform/pages/email.tsx';
import { sendMailOnce } from '../tasks/one-time.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getTenant } from '../tenancy/records.ts';
import { webhookKeys } from './keys.ts';
import { findEndpoint } from './records.ts';

/**
 * The email an endpoint's disabling sends to each active admin of the tenant, in the tenant's
 * language: once per admin and disabling, whatever the redeliveries of the event. The URL is shown only as its host: a path
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
  // In the tenant's language (docs/locales.md); the requests themselves stay as the API reads them.
  const i18n = await translator(tenant.locale);
  const host = new URL(endpoint.url).host;
  const name = endpoint.description
    ? i18n.t('webhooks.disabled.endpointNamed', { description: endpoint.description, host })
    : host;
  const days = Math.round((Date.parse(event.disabledAt) - Date.parse(event.failingSince)) / 86_400_000);
  const text = [
    i18n.t('webhooks.disabled.what', {
      endpoint: name,
      days,
      since: i18n.dateTime(event.failingSince, tenant.timeZone),
    }),
    '',
    i18n.t('webhooks.disabled.skipped'),
    i18n.t('webhooks.disabled.recover'),
    `  ${i18n.t('webhooks.disabled.request', { request: `PATCH ${publicUrl(`/v1/webhooks/${endpoint.id}`)}`, body: '{"status": "enabled"}' })}`,
    `  ${i18n.t('webhooks.disabled.request', { request: `POST ${publicUrl(`/v1/webhooks/${endpoint.id}/replays`)}`, body: `{"from": "${event.failingSince}", "to": "<now>"}` })}`,
    i18n.t('webhooks.disabled.log', {
      url: publicUrl(`/v1/webhooks/${endpoint.id}/deliveries?status=failed`),
    }),
  ].join('\n');
  const html = renderTextEmail({ lang: i18n.locale, brand: tenant.name, footer: [tenant.name] }, text);
  let sent = 0;
  for (const admin of admins) {
    const outcome = await sendMailOnce(
      ctx,
      webhookKeys.alert(ctx.tenantId, endpoint.id, event.disabledAt, String(admin.id)),
      {
        category: 'transactional',
        sender: { name: tenant.sender.name, email: tenant.sender.email },
        to: String(admin.email),
        subject: i18n.t('webhooks.disabled.subject', { endpoint: name }),
        text,
        html,
        tags: { kind: 'webhook-alert', endpointId: endpoint.id },
      },
    );
    if (outcome?.status === 'sent') sent++;
  }
  return sent;
}

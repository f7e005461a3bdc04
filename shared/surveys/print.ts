import { getContacts } from '../contacts/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItems } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { escapeHtml } from '../platform/merge-fields.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { invitationFromItem } from './invitations.ts';
import { invitationKeys } from './keys.ts';
import { SCALES } from './questions.ts';
import { getRevision } from './records.ts';
import type { Question } from './schema.ts';
import { getWave } from './waves.ts';

/** The printable page is static: no script, no external resource, every value escaped. */
export const PRINT_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const STYLE = `body{font-family:Helvetica,Arial,sans-serif;color:#111;margin:0 auto;max-width:760px;line-height:1.4;font-size:11pt}
.letter{padding:32px 0;page-break-after:always;break-after:page}.letter:last-child{page-break-after:auto;break-after:auto}
header{display:flex;justify-content:space-between;margin-bottom:24px}.address{white-space:pre-line}
.code{border:2px solid #111;padding:6px 12px;font:bold 16pt monospace;letter-spacing:2px;display:inline-block}
h1{font-size:18pt;margin:16px 0 8px}.q{margin:14px 0;page-break-inside:avoid;break-inside:avoid}.q p{margin:0 0 6px;font-weight:bold}
.box{display:inline-block;margin:0 10px 6px 0;white-space:nowrap}.box span{display:inline-block;width:13px;height:13px;border:1.5px solid #111;margin-right:4px;vertical-align:-2px}
.lines div{border-bottom:1px solid #777;height:26px}.muted{color:#555;font-size:9.5pt}
@media print{body{max-width:none;margin:0 18mm}}`;

function questionBlock(question: Question, n: number): string {
  const scale = SCALES[question.type];
  const box = (label: string) => `<span class="box"><span></span>${escapeHtml(label)}</span>`;
  let body: string;
  if (scale) {
    const boxes: string[] = [];
    for (let v = scale.min; v <= scale.max; v++) boxes.push(box(String(v)));
    body = `<div>${boxes.join('')}</div><div class="muted">${scale.min} = ${escapeHtml(scale.lowLabel)}, ${scale.max} = ${escapeHtml(scale.highLabel)}</div>`;
  } else if (question.type === 'text') {
    body = `<div class="lines">${'<div></div>'.repeat(4)}</div>`;
  } else {
    body = `<div>${(question.choices ?? []).map((c) => box(c.label)).join('<br>')}</div><div class="muted">${question.type === 'single_choice' ? 'Tick one.' : 'Tick all that apply.'}</div>`;
  }
  return `<div class="q"><p>${n}. ${escapeHtml(question.text)}${question.required ? '' : ' <span class="muted">(optional)</span>'}</p>${question.help ? `<div class="muted">${escapeHtml(question.help)}</div>` : ''}${body}</div>`;
}

/**
 * A paper wave as one printable document: a page per letter with the recipient's postal address,
 * the questions with boxes to tick, and the letter's short code, which staff type in with the
 * answers (POST /v1/survey-responses).
 */
export async function printPaperWave(ctx: TenantContext, surveyId: string, waveId: string): Promise<string> {
  const wave = await getWave(ctx, surveyId, waveId);
  if (wave.channel !== 'paper')
    throw new ConflictError('Only paper waves print: email waves are answered through their links.');
  const [revision, tenant, items] = await Promise.all([
    getRevision(ctx, surveyId, wave.revision),
    getTenant(ctx),
    getItems(
      ctx,
      (wave.invitationIds ?? []).map((id) => invitationKeys.invitation(ctx.tenantId, id)),
    ),
  ]);
  const invitations = items.map(invitationFromItem).sort((a, b) => a.id.localeCompare(b.id));
  const contacts = await getContacts(
    ctx,
    invitations.map((i) => i.contactId),
  );
  const sender = [
    tenant.name,
    ...tenant.postalAddress.lines,
    `${tenant.postalAddress.postalCode ?? ''} ${tenant.postalAddress.city ?? ''}`.trim(),
    tenant.postalAddress.country,
  ].filter(Boolean);
  const letters = invitations.map((invitation) => {
    const contact = contacts.get(invitation.contactId);
    const address = contact?.addresses[0];
    const recipient = contact
      ? [
          `${contact.firstName} ${contact.lastName}`,
          ...(address
            ? [...address.lines, `${address.postalCode ?? ''} ${address.city ?? ''}`.trim(), address.country]
            : []),
        ].filter(Boolean)
      : [];
    return `<section class="letter">
<header><div class="address">${sender.map(escapeHtml).join('\n')}</div><div class="address">${recipient.map(escapeHtml).join('\n')}</div></header>
<h1>${escapeHtml(revision.title)}</h1>
${revision.intro ? `<p>${escapeHtml(revision.intro).replace(/\n/g, '<br>')}</p>` : ''}
${revision.questions.map((q, i) => questionBlock(q, i + 1)).join('\n')}
<p>Please return this page to ${escapeHtml(sender.join(', '))}. Your code: <span class="code">${escapeHtml(invitation.code ?? '')}</span></p>
<p class="muted">The code lets us record your answers once, with your name. Valid until the survey closes.</p>
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(revision.title)} · ${escapeHtml(tenant.name)}</title><style>${STYLE}</style></head>
<body>${letters.join('\n')}</body></html>`;
}

import type { HtmlPage } from '../contacts/self-service.ts';
import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { escapeHtml } from '../platform/merge-fields.ts';
import { ownValue } from '../platform/own.ts';
import { verifyLink } from '../platform/signed-links.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { getInvitation } from './invitations.ts';
import { SCALES } from './questions.ts';
import { getRevision, getSurvey } from './records.ts';
import { AlreadyAnswered, recordResponse, SurveyClosed } from './responses.ts';
import type { Invitation, Question, SurveyRevision } from './schema.ts';

/**
 * The public answer form, opened from an invitation's signed link, in the manner of the contacts
 * self-service form: plain HTML that works without JavaScript or cookies and reads well on a
 * phone (one column, large targets), fieldsets and legends for each question, and every problem
 * written next to its question (and listed at the top) with the other answers kept. Expired,
 * tampered, answered and closed links get a friendly page, never an error document.
 */

type ContextFor = (tenantId: TenantId, invitationId: string) => TenantContext;

/** What the browser may do with these pages: show them, post the form to us, nothing else. */
export const FORM_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:38rem;margin:1.5rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45;font-size:1.05rem}
h1{font-size:1.5rem}fieldset,.question{border:1px solid #ccc;border-radius:.5rem;margin:1.2rem 0;padding:.8rem 1rem}
legend,.question>label{font-weight:600;padding:0 .3rem}.help{color:#555;margin:.3rem 0}.req{color:#555;font-weight:normal}
.scale{display:flex;flex-wrap:wrap;gap:.35rem;margin:.5rem 0}.scale label{display:flex;flex-direction:column;align-items:center;min-width:2.6rem;padding:.35rem;border:1px solid #bbb;border-radius:.4rem}
.ends{display:flex;justify-content:space-between;color:#555;font-size:.9rem}.option{display:block;padding:.35rem 0}
input[type=radio],input[type=checkbox]{width:1.3rem;height:1.3rem}textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit;padding:.4rem}
.error{color:#b00020;font-weight:600}.invalid{border-color:#b00020;border-width:2px}.summary{border:2px solid #b00020;border-radius:.5rem;padding:.6rem 1rem}
button{font:inherit;margin:1rem 0 2rem;padding:.7rem 1.6rem;border-radius:.4rem;border:0;background:#1f4e79;color:#fff}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}`;

function page(title: string, body: string, lang = 'en'): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function notice(status: number, title: string, message: string): HtmlPage {
  return { status, html: page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`) };
}

const expired = () =>
  notice(
    410,
    'This survey link has expired',
    'Thank you for your interest. The time to answer this survey is over.',
  );
const broken = () =>
  notice(404, 'This link does not work', 'Check that you copied the whole link from your email.');
const closed = () =>
  notice(410, 'This survey is closed', 'It no longer accepts answers. Thank you all the same.');
const answered = (at: string | undefined) =>
  notice(
    409,
    'You have already answered',
    `${at ? `We received your answers on ${at.slice(0, 10)}. ` : ''}Each invitation is answered once. Thank you!`,
  );

interface Opened {
  ctx: TenantContext;
  invitation: Invitation;
  revision: SurveyRevision;
  company: string;
}

async function open(token: string, contextFor: ContextFor, now: Date): Promise<Opened | HtmlPage> {
  const check = await verifyLink('survey', token, now);
  if (!check.ok) return check.reason === 'expired' ? expired() : broken();
  try {
    const ctx = contextFor(check.claims.t as TenantId, check.claims.s);
    const invitation = await getInvitation(ctx, check.claims.s, true);
    const [survey, revision, tenant] = await Promise.all([
      getSurvey(ctx, invitation.surveyId),
      getRevision(ctx, invitation.surveyId, invitation.revision),
      getTenant(ctx),
    ]);
    if (invitation.responseId) return answered(invitation.respondedAt);
    if (survey.status !== 'active') return closed();
    return { ctx, invitation, revision, company: tenant.name };
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof TypeError)
      return notice(
        404,
        'This survey is no longer available',
        'The survey this link pointed to has been removed.',
      );
    throw error;
  }
}

export async function surveyForm(token: string, contextFor: ContextFor, now: Date): Promise<HtmlPage> {
  const opened = await open(token, contextFor, now);
  if ('html' in opened) return opened;
  return { status: 200, html: form(opened, {}, {}) };
}

// The form has no action: it posts back to the address it was opened at, whatever the host.

/** The form's fields (each question's id; checkbox groups repeat it), as the body parser gives them. */
export type FormFields = Record<string, string | string[]>;

export async function submitSurveyForm(
  token: string,
  fields: FormFields,
  contextFor: ContextFor,
  now: Date,
): Promise<HtmlPage> {
  const opened = await open(token, contextFor, now);
  if ('html' in opened) return opened;
  try {
    await recordResponse(opened.ctx, opened.invitation, { answers: fields, source: 'form', channel: 'web' });
  } catch (error) {
    if (error instanceof ValidationError) {
      const problems = Object.fromEntries(
        error.issues.map((issue) => [issue.path.replace(/^body\.answers\./, ''), issue.message]),
      );
      return { status: 400, html: form(opened, fields, problems) };
    }
    if (error instanceof AlreadyAnswered) return answered(error.respondedAt);
    if (error instanceof SurveyClosed) return closed();
    throw error;
  }
  return notice(200, 'Thank you!', `${opened.company} has received your answers. You can close this page.`);
}

function form(opened: Opened, submitted: FormFields, problems: Record<string, string>): string {
  const { revision, company } = opened;
  const known = new Set(revision.questions.map((q) => q.id));
  const listed = revision.questions.filter((q) => ownValue(problems, q.id));
  const summary = listed.length
    ? `<div class="summary" role="alert" aria-labelledby="summary-title"><h2 id="summary-title">Please check ${listed.length === 1 ? 'one answer' : `${listed.length} answers`}</h2><ul>
${listed.map((q) => `<li><a href="#q-${escapeHtml(q.id)}">${escapeHtml(q.text)}</a>: ${escapeHtml(ownValue(problems, q.id)!)}</li>`).join('\n')}
</ul></div>`
    : '';
  const stray = Object.keys(problems).filter((id) => !known.has(id));
  return page(
    revision.title,
    `<p>${escapeHtml(company)}</p>
<h1>${escapeHtml(revision.title)}</h1>
${revision.intro ? `<p>${escapeHtml(revision.intro).replace(/\n/g, '<br>')}</p>` : ''}
${summary}
${stray.length ? `<p class="error" role="alert">This survey has no question ${stray.map(escapeHtml).join(', ')}; those answers were ignored.</p>` : ''}
<form method="post">
${revision.questions.map((q, i) => questionHtml(q, i + 1, ownValue(submitted, q.id), ownValue(problems, q.id))).join('\n')}
<button type="submit">Send my answers</button>
</form>`,
  );
}

function questionHtml(
  question: Question,
  number: number,
  value: string | string[] | undefined,
  problem: string | undefined,
): string {
  const id = escapeHtml(question.id);
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const checked = (v: string) => (values.includes(v) ? ' checked' : '');
  const required = question.required
    ? ' <span class="req">(required)</span>'
    : ' <span class="req">(optional)</span>';
  const describedBy = [question.help ? `help-${id}` : '', problem ? `error-${id}` : '']
    .filter(Boolean)
    .join(' ');
  const aria = `${describedBy ? ` aria-describedby="${describedBy}"` : ''}${problem ? ' aria-invalid="true"' : ''}`;
  const help = question.help ? `<p class="help" id="help-${id}">${escapeHtml(question.help)}</p>` : '';
  const error = problem ? `<p class="error" id="error-${id}">${escapeHtml(problem)}</p>` : '';
  const title = `${number}. ${escapeHtml(question.text)}${required}`;
  const req = question.required ? ' required' : '';
  if (question.type === 'text') {
    return `<div class="question${problem ? ' invalid' : ''}" id="q-${id}"><label for="input-${id}">${title}</label>${help}${error}
<textarea id="input-${id}" name="${id}" maxlength="${question.maxLength ?? ''}"${req}${aria}>${escapeHtml(values[0] ?? '')}</textarea></div>`;
  }
  const scale = SCALES[question.type];
  let inputs: string;
  if (scale) {
    const options: string[] = [];
    for (let v = scale.min; v <= scale.max; v++) {
      const label = scale.labels?.[v - scale.min];
      options.push(
        `<label><input type="radio" name="${id}" value="${v}"${checked(String(v))}${req}${label ? ` aria-label="${v}: ${escapeHtml(label)}"` : ''}> ${v}</label>`,
      );
    }
    inputs = `<div class="scale">${options.join('')}</div><div class="ends" aria-hidden="true"><span>${scale.min}: ${escapeHtml(scale.lowLabel)}</span><span>${scale.max}: ${escapeHtml(scale.highLabel)}</span></div>`;
  } else {
    const type = question.type === 'single_choice' ? 'radio' : 'checkbox';
    inputs = (question.choices ?? [])
      .map(
        (choice) =>
          `<label class="option"><input type="${type}" name="${id}" value="${escapeHtml(choice.id)}"${checked(choice.id)}${type === 'radio' ? req : ''}> ${escapeHtml(choice.label)}</label>`,
      )
      .join('\n');
  }
  return `<fieldset id="q-${id}"${problem ? ' class="invalid"' : ''}${aria}><legend>${title}</legend>${help}${error}
${inputs}</fieldset>`;
}

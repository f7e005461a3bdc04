import type { ComponentChildren } from 'preact';
import { getContacts } from '../contacts/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItems } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import { Lines } from '../platform/pages/components.tsx';
import { type HtmlPage, renderPage, Shell } from '../platform/pages/shell.tsx';
import { addressLines } from '../tenancy/address.ts';
import { getTenant } from '../tenancy/records.ts';
import { scaleOf } from './form-page.tsx';
import { invitationFromItem } from './invitations.ts';
import { invitationKeys } from './keys.ts';
import { getRevision } from './records.ts';
import type { Question } from './schema.ts';
import { getWave } from './waves.ts';

function Box({ label }: { label: string }) {
  return (
    <span class="box">
      <span />
      {label}
    </span>
  );
}

function QuestionBlock({ question, number, i18n }: { question: Question; number: number; i18n: Translator }) {
  const scale = scaleOf(question, i18n);
  let body: ComponentChildren;
  if (scale) {
    const points: number[] = [];
    for (let v = scale.min; v <= scale.max; v++) points.push(v);
    body = (
      <>
        <div>
          {points.map((v) => (
            <Box label={i18n.number(v)} />
          ))}
        </div>
        <div class="muted">
          {i18n.t('survey.paper.scaleEnds', {
            min: scale.min,
            low: scale.low,
            max: scale.max,
            high: scale.high,
          })}
        </div>
      </>
    );
  } else if (question.type === 'text') {
    body = (
      <div class="write">
        <div />
        <div />
        <div />
        <div />
      </div>
    );
  } else {
    body = (
      <>
        <div>
          {(question.choices ?? []).map((c, i) => (
            <>
              {i > 0 ? <br /> : null}
              <Box label={c.label} />
            </>
          ))}
        </div>
        <div class="muted">
          {i18n.t(question.type === 'single_choice' ? 'survey.paper.tickOne' : 'survey.paper.tickAll')}
        </div>
      </>
    );
  }
  return (
    <div class="q">
      <p>
        {number}. {question.text}
        {question.required ? null : <span class="muted"> {i18n.t('survey.form.optional')}</span>}
      </p>
      {question.help ? <div class="muted">{question.help}</div> : null}
      {body}
    </div>
  );
}

/**
 * A paper wave as one printable document: a page per letter with the recipient's postal address,
 * the questions with boxes to tick, and the letter's short code, which staff type in with the
 * answers (POST /v1/survey-responses). Each letter is in its recipient's language.
 */
export async function printPaperWave(
  ctx: TenantContext,
  surveyId: string,
  waveId: string,
): Promise<HtmlPage> {
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
  const sender = [tenant.name, ...addressLines(tenant)];
  const tenantI18n = await translator(tenant.locale);
  const letters = await Promise.all(
    invitations.map(async (invitation) => {
      const contact = contacts.get(invitation.contactId);
      const i18n = await translator(contact?.locale, tenant.locale);
      const address = contact?.addresses[0];
      const recipient = contact
        ? [
            `${contact.firstName} ${contact.lastName}`,
            ...(address
              ? [
                  ...address.lines,
                  `${address.postalCode ?? ''} ${address.city ?? ''}`.trim(),
                  address.country,
                ]
              : []),
          ].filter(Boolean)
        : [];
      return (
        <section class="letter" lang={i18n.locale}>
          <div class="head">
            <div class="lines">{sender.join('\n')}</div>
            <div class="lines">{recipient.join('\n')}</div>
          </div>
          <h1>{revision.title}</h1>
          {revision.intro ? (
            <p>
              <Lines text={revision.intro} />
            </p>
          ) : null}
          {revision.questions.map((q, i) => (
            <QuestionBlock question={q} number={i + 1} i18n={i18n} />
          ))}
          <p>
            {i18n.t('survey.paper.returnTo', { address: sender.join(', ') })}{' '}
            <span class="code">{invitation.code ?? ''}</span>
          </p>
          <p class="muted">{i18n.t('survey.paper.codeNote')}</p>
        </section>
      );
    }),
  );
  return renderPage(
    200,
    <Shell lang={tenantI18n.locale} title={`${revision.title} · ${tenant.name}`} look="document">
      {letters}
    </Shell>,
  );
}

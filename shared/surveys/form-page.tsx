import type { ComponentChildren } from 'preact';
import type { MessageKey } from '../platform/i18n/catalog.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import { ownValue } from '../platform/own.ts';
import { ErrorSummary, Lines } from '../platform/pages/components.tsx';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import { tenantPage } from '../tenancy/page.tsx';
import type { FormFields, OpenedForm } from './form.ts';
import { SCALES } from './questions.ts';
import type { Question } from './schema.ts';

const SCALE_TEXT: Record<string, { low: MessageKey; high: MessageKey; points?: MessageKey[] }> = {
  nps: { low: 'survey.scale.nps.low', high: 'survey.scale.nps.high' },
  csat: {
    low: 'survey.scale.csat.1',
    high: 'survey.scale.csat.5',
    points: [
      'survey.scale.csat.1',
      'survey.scale.csat.2',
      'survey.scale.csat.3',
      'survey.scale.csat.4',
      'survey.scale.csat.5',
    ],
  },
  rating: { low: 'survey.scale.rating.low', high: 'survey.scale.rating.high' },
};

/** A scale's bounds and the labels of its ends (and, for CSAT, of each point) in the reader's language. */
export function scaleOf(question: Question, i18n: Translator) {
  const scale = SCALES[question.type];
  const text = SCALE_TEXT[question.type];
  if (!scale || !text) return undefined;
  const point = (v: number) => {
    const key = text.points?.[v - scale.min];
    return key ? i18n.t(key) : undefined;
  };
  return { min: scale.min, max: scale.max, low: i18n.t(text.low), high: i18n.t(text.high), point };
}

function QuestionField(props: {
  question: Question;
  number: number;
  value: string | string[] | undefined;
  problem: string | undefined;
  i18n: Translator;
}) {
  const { question, number, problem, i18n } = props;
  const id = question.id;
  const values = Array.isArray(props.value) ? props.value : props.value === undefined ? [] : [props.value];
  const describedBy =
    [question.help ? `help-${id}` : '', problem ? `error-${id}` : ''].filter(Boolean).join(' ') || undefined;
  const invalid = problem ? 'true' : undefined;
  const title = (
    <>
      {number}. {question.text}{' '}
      <span class="req">
        {question.required ? i18n.t('survey.form.required') : i18n.t('survey.form.optional')}
      </span>
    </>
  );
  const help = question.help ? (
    <p class="help" id={`help-${id}`}>
      {question.help}
    </p>
  ) : null;
  const error = problem ? (
    <p class="error" id={`error-${id}`}>
      {problem}
    </p>
  ) : null;
  if (question.type === 'text') {
    return (
      <div class={problem ? 'question invalid' : 'question'} id={`q-${id}`}>
        <label for={`input-${id}`}>{title}</label>
        {help}
        {error}
        <textarea
          id={`input-${id}`}
          name={id}
          maxlength={question.maxLength}
          required={question.required}
          aria-invalid={invalid}
          aria-describedby={describedBy}
        >
          {values[0] ?? ''}
        </textarea>
      </div>
    );
  }
  let inputs: ComponentChildren;
  const scale = scaleOf(question, i18n);
  if (scale) {
    const points: number[] = [];
    for (let v = scale.min; v <= scale.max; v++) points.push(v);
    inputs = (
      <>
        <div class="scale">
          {points.map((v) => (
            <label>
              <input
                type="radio"
                name={id}
                value={String(v)}
                checked={values.includes(String(v))}
                required={question.required}
                aria-label={scale.point(v) ? `${v}: ${scale.point(v)}` : undefined}
              />
              {i18n.number(v)}
            </label>
          ))}
        </div>
        <div class="ends" aria-hidden="true">
          <span>
            {i18n.number(scale.min)}: {scale.low}
          </span>
          <span>
            {i18n.number(scale.max)}: {scale.high}
          </span>
        </div>
      </>
    );
  } else {
    const single = question.type === 'single_choice';
    inputs = (question.choices ?? []).map((choice) => (
      <label class="choice">
        <input
          type={single ? 'radio' : 'checkbox'}
          name={id}
          value={choice.id}
          checked={values.includes(choice.id)}
          required={single && question.required}
        />
        {choice.label}
      </label>
    ));
  }
  return (
    <fieldset
      id={`q-${id}`}
      class={problem ? 'invalid' : undefined}
      aria-invalid={invalid}
      aria-describedby={describedBy}
    >
      <legend>{title}</legend>
      {help}
      {error}
      {inputs}
    </fieldset>
  );
}

export function surveyFormPage(
  status: number,
  opened: OpenedForm,
  submitted: FormFields,
  problems: Record<string, string>,
): HtmlPage {
  const { revision, tenant, i18n } = opened;
  const known = new Set(revision.questions.map((q) => q.id));
  const listed = revision.questions.filter((q) => ownValue(problems, q.id));
  const stray = Object.keys(problems).filter((id) => !known.has(id));
  const check = i18n.t('survey.form.check', { count: listed.length });
  return tenantPage(
    status,
    tenant,
    i18n,
    revision.title,
    <>
      <h1>{revision.title}</h1>
      {revision.intro ? (
        <p>
          <Lines text={revision.intro} />
        </p>
      ) : null}
      <ErrorSummary
        title={check}
        problems={listed.map((q) => ({
          target: `q-${q.id}`,
          label: q.text,
          message: ownValue(problems, q.id)!,
        }))}
      />
      {stray.length ? (
        <p class="error" role="alert">
          {i18n.t('survey.form.stray', { count: stray.length, ids: i18n.list(stray) })}
        </p>
      ) : null}
      <form method="post">
        {revision.questions.map((q, i) => (
          <QuestionField
            question={q}
            number={i + 1}
            value={ownValue(submitted, q.id)}
            problem={ownValue(problems, q.id)}
            i18n={i18n}
          />
        ))}
        <button type="submit">{i18n.t('survey.form.submit')}</button>
      </form>
    </>,
    status >= 400
      ? {
          title: check,
          detail: check,
          errors: Object.entries(problems).map(([id, message]) => ({ path: `body.${id}`, message })),
        }
      : undefined,
  );
}

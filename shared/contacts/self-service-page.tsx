import type { TenantContext } from '../platform/context.ts';
import type { MessageKey } from '../platform/i18n/catalog.ts';
import { SUPPORTED_LOCALES } from '../platform/i18n/locales.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import { ErrorSummary, TextField } from '../platform/pages/components.tsx';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import { tenantPage } from '../tenancy/page.tsx';
import type { Tenant } from '../tenancy/schema.ts';
import type { Contact } from './schema.ts';

/** A field of the form that was refused, and what to say (else the field's own message). */
export interface FormProblem {
  field: string;
  message?: MessageKey;
}

const LABELS: Record<string, MessageKey> = {
  firstName: 'selfService.field.firstName',
  lastName: 'selfService.field.lastName',
  email: 'selfService.field.email',
  phone: 'selfService.field.phone',
  line1: 'selfService.field.line1',
  line2: 'selfService.field.line2',
  postalCode: 'selfService.field.postalCode',
  city: 'selfService.field.city',
  region: 'selfService.field.region',
  country: 'selfService.field.country',
  locale: 'selfService.field.locale',
};

const INVALID: Record<string, MessageKey> = {
  firstName: 'selfService.invalid.required',
  lastName: 'selfService.invalid.required',
  email: 'selfService.invalid.email',
  phone: 'selfService.invalid.phone',
  line1: 'selfService.invalid.required',
  city: 'selfService.invalid.required',
  country: 'selfService.invalid.country',
};

interface Opened {
  ctx: TenantContext;
  contact: Contact;
  tenant: Tenant;
  i18n: Translator;
}

export function selfServicePage(
  status: number,
  { contact, tenant, i18n }: Opened,
  submitted: Record<string, string>,
  problems: FormProblem[] | undefined,
): HtmlPage {
  const address = contact.addresses[0];
  const current: Record<string, string> = {
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email ?? '',
    phone: contact.phones[0]?.number ?? '',
    line1: address?.lines[0] ?? '',
    line2: address?.lines[1] ?? '',
    city: address?.city ?? '',
    postalCode: address?.postalCode ?? '',
    region: address?.region ?? '',
    country: address?.country ?? '',
    locale: contact.locale ?? '',
  };
  const value = (name: string) => submitted[name] ?? current[name] ?? '';
  const messages = new Map(
    (problems ?? []).map((p) => [
      p.field,
      i18n.t(p.message ?? INVALID[p.field] ?? 'selfService.invalid.generic'),
    ]),
  );
  const field = (name: string, type?: 'email' | 'tel', autocomplete?: string) => (
    <TextField
      name={name}
      label={i18n.t(LABELS[name]!)}
      value={value(name)}
      type={type}
      autocomplete={autocomplete}
      error={messages.get(name)}
    />
  );
  const consent = submitted.consent ?? contact.marketingConsent?.status;
  const languages = new Intl.DisplayNames([i18n.locale], { type: 'language' });
  const title = i18n.t('selfService.title', { company: tenant.name });
  const check = i18n.t('selfService.check', { count: messages.size });
  return tenantPage(
    status,
    tenant,
    i18n,
    title,
    <>
      <h1>{title}</h1>
      <p>{i18n.t('selfService.intro')}</p>
      <ErrorSummary
        title={check}
        problems={[...messages].map(([name, message]) => ({
          target: name === 'form' ? 'main' : name,
          label: LABELS[name] ? i18n.t(LABELS[name]) : i18n.t('selfService.field.form'),
          message,
        }))}
      />
      <form method="post">
        {field('firstName', undefined, 'given-name')}
        {field('lastName', undefined, 'family-name')}
        {field('email', 'email', 'email')}
        {field('phone', 'tel', 'tel')}
        <fieldset>
          <legend>{i18n.t('selfService.addressLegend')}</legend>
          {field('line1', undefined, 'address-line1')}
          {field('line2', undefined, 'address-line2')}
          {field('postalCode', undefined, 'postal-code')}
          {field('city', undefined, 'address-level2')}
          {field('region', undefined, 'address-level1')}
          {field('country', undefined, 'country')}
        </fieldset>
        <fieldset>
          <legend>{i18n.t('selfService.consent.legend')}</legend>
          <label class="choice">
            <input type="radio" name="consent" value="granted" checked={consent === 'granted'} />
            {i18n.t('selfService.consent.yes')}
          </label>
          <label class="choice">
            <input type="radio" name="consent" value="denied" checked={consent === 'denied'} />
            {i18n.t('selfService.consent.no')}
          </label>
        </fieldset>
        <label for="locale">{i18n.t('selfService.field.locale')}</label>
        {messages.get('locale') ? <p class="error">{messages.get('locale')}</p> : null}
        <select id="locale" name="locale">
          <option value="" selected={value('locale') === ''}>
            {i18n.t('selfService.locale.default', { company: tenant.name })}
          </option>
          {SUPPORTED_LOCALES.map((locale) => (
            <option value={locale} selected={value('locale') === locale}>
              {languages.of(locale) ?? locale}
            </option>
          ))}
        </select>
        <button type="submit">{i18n.t('selfService.save')}</button>
      </form>
    </>,
    status >= 400
      ? {
          title: check,
          detail: check,
          errors: [...messages].map(([name, message]) => ({ path: `body.${name}`, message })),
        }
      : undefined,
  );
}

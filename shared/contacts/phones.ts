import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';

/**
 * Phone numbers are stored in E.164 (`+33612345678`), so the same number typed two ways is one
 * number for search and for dialling. A number typed without its country code is read in the
 * contact's country (their first address), else the tenant's (its postal address).
 * libphonenumber-js with its smallest metadata keeps the bundle lean.
 */
export function toE164(raw: string, defaultCountry?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, {
    ...(defaultCountry ? { defaultCountry: defaultCountry as CountryCode } : {}),
    extract: false,
  });
  return parsed?.isValid() ? parsed.number : undefined;
}

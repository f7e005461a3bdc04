/** Reads a number typed by a person as E.164, or undefined when it is not a valid number. */
export type PhoneNormalizer = (raw: string, defaultCountry?: string) => string | undefined;

let loading: Promise<PhoneNormalizer> | undefined;

/**
 * Phone numbers are stored in E.164 (`+33612345678`), so the same number typed two ways is one
 * number for search and for dialling. A number typed without its country code is read in the
 * contact's country (their first address), else the tenant's (its postal address).
 *
 * libphonenumber-js with its smallest metadata ("min": valid numbers per country by length and
 * leading digits, which is what deciding validity and E.164 needs; the "max" set adds number
 * types, which nothing here reads) is still 118 KB minified. Most requests carry no phone number,
 * so the functions that may ship it beside their bundle (`nodeModules`) and it is imported on the
 * first number, once per process, instead of at every cold start.
 */
export function phoneNormalizer(): Promise<PhoneNormalizer> {
  loading ??= import('libphonenumber-js/min').then(
    ({ parsePhoneNumberFromString }): PhoneNormalizer =>
      (raw, defaultCountry) => {
        const parsed = parsePhoneNumberFromString(raw, {
          ...(defaultCountry ? { defaultCountry: defaultCountry as never } : {}),
          extract: false,
        });
        return parsed?.isValid() ? parsed.number : undefined;
      },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

export async function toE164(raw: string, defaultCountry?: string): Promise<string | undefined> {
  return (await phoneNormalizer())(raw, defaultCountry);
}

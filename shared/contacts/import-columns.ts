import type { CustomFieldDefinition } from './schema.ts';

/**
 * Column mapping for CSV imports: the headers of common CRM and spreadsheet exports ("First Name",
 * "first_name", "firstname", "Given Name", "E-mail Address", "Mobile Phone", "Mailing City"...)
 * map to contact fields after normalization (lower case, letters and digits only). Custom fields
 * match by key or label. Unknown headers are ignored and reported on the import.
 */
export const normalizeHeader = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

const SYNONYMS: Record<string, string[]> = {
  firstName: ['firstname', 'first', 'givenname', 'fname', 'forename', 'contactfirstname'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'lname', 'contactlastname'],
  fullName: ['name', 'fullname', 'contactname', 'displayname'],
  email: ['email', 'emailaddress', 'email1', 'primaryemail', 'emailaddress1', 'workemail', 'businessemail'],
  otherEmail: ['email2', 'otheremail', 'secondaryemail', 'additionalemail', 'personalemail', 'emailaddress2'],
  workPhone: [
    'phone',
    'phonenumber',
    'telephone',
    'tel',
    'workphone',
    'businessphone',
    'officephone',
    'phone1',
  ],
  mobilePhone: ['mobile', 'mobilephone', 'cell', 'cellphone', 'mobilenumber', 'phone2'],
  homePhone: ['homephone', 'privatephone'],
  company: ['company', 'companyname', 'organization', 'organisation', 'account', 'accountname', 'employer'],
  companyDomain: ['companydomain', 'website', 'domain', 'companywebsite', 'web'],
  line1: ['street', 'address', 'streetaddress', 'address1', 'addressline1', 'mailingstreet', 'street1'],
  line2: ['address2', 'addressline2', 'street2'],
  city: ['city', 'town', 'mailingcity', 'locality'],
  postalCode: [
    'postalcode',
    'zip',
    'zipcode',
    'postcode',
    'mailingzip',
    'mailingpostalcode',
    'mailingzippostalcode',
  ],
  region: [
    'state',
    'region',
    'province',
    'county',
    'stateprovince',
    'mailingstate',
    'mailingstateprovince',
    'stateregion',
  ],
  country: ['country', 'countrycode', 'mailingcountry', 'countryregion'],
  lifecycleStage: ['lifecyclestage', 'stage', 'lifecycle', 'contacttype', 'leadstatus'],
  tags: ['tags', 'tag', 'labels', 'label', 'categories'],
  owner: ['owner', 'owneremail', 'contactowner', 'accountowner', 'assignedto'],
  consent: [
    'marketingconsent',
    'emailoptin',
    'consent',
    'subscribed',
    'optin',
    'marketingoptin',
    'emailconsent',
  ],
  birthYear: ['birthyear', 'yearofbirth'],
  gender: ['gender', 'sex'],
  householdIncomeBand: ['householdincomeband', 'incomeband', 'householdincome'],
};

const FIELD_OF = new Map(Object.entries(SYNONYMS).flatMap(([field, names]) => names.map((n) => [n, field])));

/** The field each header fills: a contact field, `custom:<key>`, or undefined (ignored). */
export function mapColumns(
  headers: string[],
  definitions: CustomFieldDefinition[],
): Array<string | undefined> {
  const custom = new Map<string, string>();
  for (const d of definitions) {
    custom.set(normalizeHeader(d.key), `custom:${d.key}`);
    custom.set(normalizeHeader(d.label), `custom:${d.key}`);
  }
  const taken = new Set<string>();
  return headers.map((header) => {
    const normalized = normalizeHeader(header);
    const field = FIELD_OF.get(normalized) ?? custom.get(normalized);
    // A field filled by two columns would be ambiguous: the first column wins.
    if (!field || taken.has(field)) return undefined;
    taken.add(field);
    return field;
  });
}

let countryCodes: Map<string, string> | undefined;

/** "FR", "fr", "France" → "FR"; anything else is returned as typed, for validation to refuse. */
export function countryCode(value: string): string {
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return trimmed.toUpperCase();
  if (!countryCodes) {
    countryCodes = new Map();
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        // Alphabetical order puts current codes before deprecated aliases (FR before FX, GB before UK).
        if (name && name !== code && !countryCodes.has(name.toLowerCase()))
          countryCodes.set(name.toLowerCase(), code);
      }
    for (const [alias, code] of [
      ['usa', 'US'],
      ['united states of america', 'US'],
      ['uk', 'GB'],
      ['england', 'GB'],
    ] as const)
      countryCodes.set(alias, code);
  }
  return countryCodes.get(trimmed.toLowerCase()) ?? trimmed;
}

/** "https://www.acme.com/about" → "acme.com". */
export function domainOf(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#].*$/, '');
}

const TRUE = new Set(['yes', 'y', 'true', '1', 'granted', 'opted in', 'optin', 'subscribed']);
const FALSE = new Set(['no', 'n', 'false', '0', 'denied', 'opted out', 'optout', 'unsubscribed']);

export function consentOf(value: string): 'granted' | 'denied' | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return 'granted';
  if (FALSE.has(v)) return 'denied';
  return undefined;
}

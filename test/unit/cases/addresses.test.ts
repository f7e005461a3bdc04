import { describe, expect, it } from 'vitest';
import { parseSupportAddress } from '../../../shared/cases/addresses.ts';
import { mailRefHash, normalizeMessageId } from '../../../shared/cases/keys.ts';

const TENANT = '01JE2K5M6N7P8Q9R0S1T2V3W4X';
const CASE = '01JE2K7Q8R9S0T1V2W3X4Y5Z6A';

describe('support addresses', () => {
  it('name the tenant, and the case of a reply address, whatever the case of the letters', () => {
    expect(parseSupportAddress(`${TENANT.toLowerCase()}@support.example`, 'support.example')).toEqual({
      tenantId: TENANT,
    });
    expect(
      parseSupportAddress(`${TENANT.toLowerCase()}+${CASE.toLowerCase()}@SUPPORT.example`, 'support.example'),
    ).toEqual({ tenantId: TENANT, caseId: CASE });
  });

  it('are refused on another domain or when the id is not one', () => {
    expect(parseSupportAddress(`${TENANT}@elsewhere.example`, 'support.example')).toBeUndefined();
    expect(parseSupportAddress('support@support.example', 'support.example')).toBeUndefined();
    expect(parseSupportAddress(`${TENANT}+nope@support.example`, 'support.example')).toBeUndefined();
  });
});

describe('Message-IDs', () => {
  it('compare without brackets and with the domain in lower case', () => {
    expect(mailRefHash('<Abc@Mail.Example>')).toBe(mailRefHash('Abc@mail.example'));
    expect(mailRefHash('<Abc@mail.example>')).not.toBe(mailRefHash('<abc@mail.example>'));
  });

  it("match SES's rewritten ids whatever the region in their domain", () => {
    expect(normalizeMessageId('<0100018c-abc@eu-west-1.amazonses.com>')).toBe('0100018c-abc@amazonses.com');
    expect(normalizeMessageId('<0100018c-abc@email.amazonses.com>')).toBe('0100018c-abc@amazonses.com');
  });
});

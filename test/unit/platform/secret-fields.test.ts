import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  hasSecretFields,
  secretField,
  secretValues,
  withoutSecrets,
} from '../../../shared/platform/secret-fields.ts';
import { SignupResult, Tenant } from '../../../shared/tenancy/schema.ts';

describe('secret fields', () => {
  const Endpoint = z.object({
    id: z.string(),
    secrets: z.array(z.object({ id: z.string(), value: secretField(z.string()) })),
    fallback: z.optional(z.nullable(secretField(z.string()))),
  });

  it('are found wherever a response schema nests them', () => {
    expect(hasSecretFields(SignupResult)).toBe(true);
    expect(hasSecretFields(Endpoint)).toBe(true);
    expect(hasSecretFields(Tenant)).toBe(false);
  });

  it('are left out of what may be kept, at any depth, and the rest is kept as it is', () => {
    const value = {
      id: 'e1',
      secrets: [
        { id: 's1', value: 'whsec_one' },
        { id: 's2', value: 'whsec_two' },
      ],
      fallback: 'whsec_old',
    };
    expect(withoutSecrets(Endpoint, value)).toEqual({ id: 'e1', secrets: [{ id: 's1' }, { id: 's2' }] });
    expect(secretValues(Endpoint, value).sort()).toEqual(['whsec_old', 'whsec_one', 'whsec_two']);
    const signup = {
      tenant: { id: 't' },
      admin: { id: 'm' },
      apiKey: { id: 'k', prefix: 'fcrm_…abcd', key: 'fcrm_secret' },
    };
    expect(withoutSecrets(SignupResult, signup)).toEqual({
      ...signup,
      apiKey: { id: 'k', prefix: 'fcrm_…abcd' },
    });
  });
});

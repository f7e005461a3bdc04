import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../../shared/platform/http/bearer.ts';

describe('the bearer token of an Authorization header', () => {
  it('is read whatever the case of the scheme and the spaces or tabs around it', () => {
    for (const header of ['Bearer KEY', 'bearer KEY', 'BEARER  KEY', 'Bearer\tKEY', ' Bearer KEY \t'])
      expect(bearerToken(header), JSON.stringify(header)).toBe('KEY');
  });

  it('is not read after a Unicode space, which the WAF would count as another key', () => {
    for (const header of [
      'Bearer\u2003KEY',
      'Bearer\u00a0KEY',
      'Bearer KEY\u00a0',
      'BearerKEY',
      'Bearer',
      '',
    ])
      expect(bearerToken(header), JSON.stringify(header)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { documentedRolesTable, rolesTable } from '../../support/roles-table.ts';

describe('the roles table of the API guide', () => {
  it('matches the roles each route declares (npm run docs:roles rewrites it)', () => {
    expect(documentedRolesTable()).toBe(rolesTable());
  });
});

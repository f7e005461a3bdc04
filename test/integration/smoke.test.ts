import { describe, expect, it } from 'vitest';
import { useTable } from '../support/table.ts';

describe('test environment', () => {
  it('creates a table of its own on DynamoDB Local', async () => {
    const name = await useTable();
    expect(name).toMatch(/^test-/);
  });
});

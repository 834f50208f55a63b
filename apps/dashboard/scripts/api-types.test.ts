import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes } from './api-types.ts';

describe('the dashboard’s generated API types', () => {
  it('match the OpenAPI document the API builds today (run npm run api:types when this fails)', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    const fresh = await renderApiTypes();
    // Compared whole: a route added, removed or reshaped changes the text.
    expect(
      committed === fresh,
      'apps/dashboard/src/api/openapi-types.ts is stale: run npm run api:types',
    ).toBe(true);
  });
});

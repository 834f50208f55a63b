import { expect } from 'vitest';
import type { components } from '../../apps/dashboard/src/api/openapi-types.ts';
import { createCallRequest } from './api-harness.ts';

/** What `POST /v1/calls` answers the widget: the call, its room, the visitor's token and key. */
export type MintedCall = components['schemas']['CreatedCall'];

/**
 * Starts a call as the widget does, from the test origin, with the visitor's name when given, and
 * fails the test unless the API created it.
 */
export async function mintCall(
  apiUrl: string,
  siteKey: string,
  visitor: { name?: string } = {},
): Promise<MintedCall> {
  const res = await fetch(
    `${apiUrl}/v1/calls`,
    createCallRequest(siteKey, { body: { siteKey, ...visitor } }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as MintedCall;
}

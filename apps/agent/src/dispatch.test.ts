import { roomNameForCall } from '@voicedesk/core';
import { describe, expect, it } from 'vitest';
import { callIdForJob } from './dispatch.ts';

const callId = '018f2b6e-7f3a-7c4d-9e1f-0a1b2c3d4e5f';

describe('callIdForJob', () => {
  it('accepts the call id the API dispatched for this call room', () => {
    expect(callIdForJob(JSON.stringify({ callId }), roomNameForCall(callId))).toBe(callId);
  });

  it('rejects missing, malformed or mismatched metadata', () => {
    expect(callIdForJob('', roomNameForCall(callId))).toBeNull();
    expect(callIdForJob('{"callId":"not-a-uuid"}', 'call-not-a-uuid')).toBeNull();
    expect(callIdForJob(JSON.stringify({ callId }), 'call-someone-else')).toBeNull();
    expect(callIdForJob(JSON.stringify({ callId }), undefined)).toBeNull();
  });
});

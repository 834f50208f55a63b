import { describe, expect, it } from 'vitest';
import { sanitizePayload } from './sanitize-payload.ts';

describe('sanitizePayload', () => {
  it('drops credential-shaped keys at any depth and keeps everything else', () => {
    const sent = {
      event: 'egress_ended',
      room: { name: 'call-1', turnPassword: 'tp', numParticipants: 2 },
      egressInfo: {
        roomComposite: { fileOutputs: [{ s3: { bucket: 'b', accessKey: 'AK', secret: 'SK', region: 'r' } }] },
      },
    };
    expect(sanitizePayload(sent)).toEqual({
      event: 'egress_ended',
      room: { name: 'call-1', numParticipants: 2 },
      egressInfo: { roomComposite: { fileOutputs: [{ s3: { bucket: 'b', region: 'r' } }] } },
    });
  });

  it("keeps a parsed body's __proto__ key as data, never as the copy's prototype", () => {
    const sent = JSON.parse('{"room":{"name":"call-1"},"__proto__":{"isAdmin":true}}') as object;
    const stored = sanitizePayload(sent) as Record<string, unknown>;
    expect(stored.isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(JSON.stringify(stored)).toBe(JSON.stringify(sent));
  });
});

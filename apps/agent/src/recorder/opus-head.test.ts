import { describe, expect, it } from 'vitest';
import { opusHead } from './opus-head.ts';

describe('opusHead', () => {
  it('is the 19-byte RFC 7845 identification header', () => {
    const head = opusHead(2, 312);
    expect([...head]).toEqual([
      ...Buffer.from('OpusHead', 'ascii'),
      1, // version
      2, // channels
      0x38,
      0x01, // pre-skip 312, little-endian
      0x80,
      0xbb,
      0x00,
      0x00, // 48000 Hz, little-endian
      0x00,
      0x00, // output gain
      0, // mapping family
    ]);
  });

  it('carries the channel count and pre-skip it is given', () => {
    const view = new DataView(opusHead(1, 120, 16_000).buffer);
    expect(view.getUint8(9)).toBe(1);
    expect(view.getUint16(10, true)).toBe(120);
    expect(view.getUint32(12, true)).toBe(16_000);
  });
});

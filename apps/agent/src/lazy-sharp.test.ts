import { describe, expect, it } from 'vitest';
import sharp from './lazy-sharp.ts';

interface Encoder {
  png(): { toBuffer(): Promise<Buffer> };
}

describe("sharp in the worker's bundle, loaded on first use", () => {
  it('encodes a raw video frame as the real sharp does, when the framework first asks', async () => {
    const frame = Buffer.from([255, 0, 0, 0, 255, 0]);
    const encoded = sharp(frame, { raw: { width: 2, height: 1, channels: 3 } }) as Encoder;
    const png = await encoded.png().toBuffer();
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  });
});

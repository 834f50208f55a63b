import { SAMPLE_RATE } from './audio-format.ts';

const MAGIC = [0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64]; // "OpusHead"

/**
 * The Ogg Opus identification header (RFC 7845 §5.1): mediabunny's Ogg muxer needs it as the
 * track's decoder description and writes it as the first page, but does not build it.
 */
export function opusHead(channels: 1 | 2, preSkip: number, inputSampleRate = SAMPLE_RATE): Uint8Array {
  const bytes = new Uint8Array(19);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint8(8, 1); // version
  view.setUint8(9, channels);
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true); // output gain
  view.setUint8(18, 0); // channel mapping family 0: mono or stereo, no table
  return bytes;
}

import { Encoder } from '@evan/opus';
import { CHANNELS, FRAME_SAMPLES, SAMPLE_RATE } from './audio-format.ts';

/** Encodes 20 ms of interleaved stereo PCM16 (1920 values) into one Opus packet. */
export interface StereoOpusEncoder {
  /** The encoder's lookahead in samples: the OpusHead pre-skip a decoder drops at the start. */
  readonly preSkip: number;
  encode(interleaved: Int16Array): Uint8Array;
}

/** 32 kb/s VBR speech: about 170–260 KB a minute of stereo call audio. */
const RECORDING_BITRATE = 32_000;

/** OPUS_GET_LOOKAHEAD: @evan/opus 1.0.3 types the getter as `lookhead`, the runtime calls it `lookahead`. */
const GET_LOOKAHEAD = 4027;

export function createStereoOpusEncoder(bitrate = RECORDING_BITRATE): StereoOpusEncoder {
  // The native addon ships prebuilt in the package (linux x64/arm64, darwin, win32); the
  // package falls back to its WASM build elsewhere.
  const encoder = new Encoder({ channels: CHANNELS, sample_rate: SAMPLE_RATE, application: 'voip' });
  encoder.bitrate = bitrate;
  encoder.vbr = true;
  encoder.signal = 'voice';
  const preSkip = encoder.ctl(GET_LOOKAHEAD);
  return {
    preSkip,
    encode(interleaved) {
      if (interleaved.length !== FRAME_SAMPLES * CHANNELS) {
        throw new RangeError(
          `an Opus frame is ${FRAME_SAMPLES * CHANNELS} values, got ${interleaved.length}`,
        );
      }
      // A byte view: the WASM build derives the frame size from the view's length in bytes.
      const packet = encoder.encode(
        new Uint8Array(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength),
      );
      // The native build returns a view of one scratch buffer shared by every encoder: copy it.
      return packet.slice();
    },
  };
}

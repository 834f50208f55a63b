import { EncodedAudioPacketSource, EncodedPacket, NullTarget, OggOutputFormat, Output } from 'mediabunny';
import { CHANNELS, FRAME_SAMPLES, SAMPLE_RATE } from './audio-format.ts';
import type { StereoOpusEncoder } from './opus-encoder.ts';
import { opusHead } from './opus-head.ts';

export interface OggPage {
  bytes: Uint8Array;
  /** Samples decoded up to the end of this page, pre-skip included; -1 when no packet ends on it. */
  granule: number;
  eos: boolean;
}

const FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE;

/**
 * Stereo Opus in Ogg, written as a stream of pages: every 20 ms of PCM becomes one packet, and
 * mediabunny's Ogg muxer hands each finished page to `onPage` as it is written (it never goes
 * back to rewrite one), so pages can be uploaded while the call goes on.
 */
export class OggOpusWriter {
  readonly #encoder: StereoOpusEncoder;
  readonly #output: Output;
  readonly #source = new EncodedAudioPacketSource('opus');
  /** mediabunny's add() is asynchronous: packets are chained so they go in strictly in order. */
  #chain: Promise<void>;
  #packets = 0;
  #error: unknown = null;
  #finished = false;

  constructor(
    encoder: StereoOpusEncoder,
    onPage: (page: OggPage) => void,
    options: { maxPageSeconds: number },
  ) {
    this.#encoder = encoder;
    this.#output = new Output({
      target: new NullTarget(),
      format: new OggOutputFormat({
        maximumPageDuration: options.maxPageSeconds,
        onPage: (bytes) => onPage(parsePage(bytes)),
      }),
    });
    this.#output.addAudioTrack(this.#source);
    this.#chain = this.#output.start().catch((error: unknown) => this.#fail(error));
  }

  get preSkip(): number {
    return this.#encoder.preSkip;
  }

  /** 20 ms of interleaved stereo (1920 values). */
  write(interleaved: Int16Array): void {
    if (this.#finished) throw new Error('OggOpusWriter: write after finish');
    this.#add(this.#encoder.encode(interleaved), FRAME_SAMPLES);
  }

  /**
   * Encodes the last partial frame and the encoder's lookahead, and ends the stream on a page
   * whose granule trims the padding: the file decodes to exactly `totalSamples` per channel.
   * Resolves once every page is out.
   */
  async finish(tail: Int16Array, totalSamples: number): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    if (totalSamples === 0 && this.#packets === 0) {
      await this.cancel();
      return;
    }
    const end = totalSamples + this.preSkip;
    const frames = Math.max(this.#packets, Math.ceil(end / FRAME_SAMPLES)) - this.#packets;
    const frame = new Int16Array(FRAME_SAMPLES * CHANNELS);
    for (let i = 0; i < frames; i++) {
      frame.fill(0);
      if (i === 0) frame.set(tail.subarray(0, frame.length));
      const last = i === frames - 1;
      this.#add(this.#encoder.encode(frame), last ? end - this.#packets * FRAME_SAMPLES : FRAME_SAMPLES);
    }
    await this.#chain;
    if (this.#error) throw this.#error;
    this.#source.close();
    await this.#output.finalize();
  }

  /** Drops the stream without ending it (the recording was refused). */
  async cancel(): Promise<void> {
    this.#finished = true;
    await this.#chain;
    await this.#output.cancel().catch(() => {});
  }

  #add(packet: Uint8Array, samples: number): void {
    const index = this.#packets++;
    const encoded = new EncodedPacket(packet, 'key', index * FRAME_SECONDS, samples / SAMPLE_RATE);
    const meta =
      index === 0
        ? {
            decoderConfig: {
              codec: 'opus',
              numberOfChannels: CHANNELS,
              sampleRate: SAMPLE_RATE,
              description: opusHead(CHANNELS, this.preSkip),
            },
          }
        : undefined;
    this.#chain = this.#chain.then(() => {
      if (this.#error) return;
      return this.#source.add(encoded, meta).catch((error: unknown) => this.#fail(error));
    });
  }

  #fail(error: unknown): void {
    this.#error ??= error;
  }
}

function parsePage(bytes: Uint8Array): OggPage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    bytes,
    granule: Number(view.getBigInt64(6, true)),
    eos: ((bytes[5] ?? 0) & 0x04) !== 0,
  };
}

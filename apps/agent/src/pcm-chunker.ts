import { AudioFrame } from '@livekit/rtc-node';

/**
 * Cuts 16-bit PCM into frames of one fixed length, for the realtime session's input (see
 * realtime-model.ts); the same contract as the framework's `AudioByteStream`. That class joins its
 * buffer and each write through a JavaScript array (`new Int8Array([...buf, ...bytes])`), a few
 * thousand array elements every 10 ms of a call, about 5 % of a talking job process's CPU
 * (profiled 2026-11-26); this copies each byte once, with typed-array copies.
 *
 * Every frame owns a buffer of exactly its own bytes: the plugin base64-encodes `frame.data.buffer`
 * whole.
 */
export class PcmChunker {
  readonly #sampleRate: number;
  readonly #channels: number;
  readonly #frameBytes: number;
  #pending: Uint8Array;
  #filled = 0;

  constructor(sampleRate: number, channels: number, samplesPerChannel: number) {
    this.#sampleRate = sampleRate;
    this.#channels = channels;
    this.#frameBytes = samplesPerChannel * channels * 2;
    this.#pending = new Uint8Array(this.#frameBytes);
  }

  /** The frames completed by this audio; the rest waits for the next write. */
  write(data: ArrayBufferLike | ArrayBufferView): AudioFrame[] {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
    const frames: AudioFrame[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(this.#frameBytes - this.#filled, bytes.length - offset);
      this.#pending.set(bytes.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#frameBytes) {
        frames.push(this.#frame(this.#pending));
        this.#pending = new Uint8Array(this.#frameBytes);
        this.#filled = 0;
      }
    }
    return frames;
  }

  /** What is left as a last, shorter frame; nothing when it is not whole samples. */
  flush(): AudioFrame[] {
    const rest = this.#pending.slice(0, this.#filled);
    this.#filled = 0;
    if (rest.length === 0 || rest.length % (2 * this.#channels) !== 0) return [];
    return [this.#frame(rest)];
  }

  #frame(bytes: Uint8Array): AudioFrame {
    const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    return new AudioFrame(samples, this.#sampleRate, this.#channels, samples.length / this.#channels);
  }
}

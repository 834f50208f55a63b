import { AudioByteStream, initializeLogger } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { PcmChunker } from './pcm-chunker.ts';

const RATE = 24_000;
/** 20 ms at 24 kHz, mono: what the realtime session sends per append. */
const FRAME_SAMPLES = 480;

beforeAll(() => {
  // The framework warns when its flush drops a half sample, which the last test does on purpose.
  initializeLogger({ pretty: false, level: 'error' });
});

/** A ramp, so a byte out of place or a sample lost shows in the comparison. */
function ramp(samples: number, from = 0): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => (((from + i) * 7) % 65_536) - 32_768);
}

const samplesOf = (frames: AudioFrame[]) => frames.map((f) => Array.from(f.data));

describe('the realtime input chunker', () => {
  it('cuts 10 ms of microphone at a time into 20 ms frames, every sample in order', () => {
    const chunker = new PcmChunker(RATE, 1, FRAME_SAMPLES);
    const frames: AudioFrame[] = [];
    for (let i = 0; i < 5; i++) frames.push(...chunker.write(ramp(240, i * 240).buffer));

    expect(frames.map((f) => f.samplesPerChannel)).toEqual([480, 480]);
    expect(frames.every((f) => f.sampleRate === RATE && f.channels === 1)).toBe(true);
    expect(samplesOf(frames).flat()).toEqual(Array.from(ramp(960)));
    // The fifth 10 ms waits for the sixth.
    expect(samplesOf(chunker.flush())).toEqual([Array.from(ramp(240, 960))]);
  });

  it("gives every frame a buffer of exactly its own bytes (the plugin encodes the frame's whole buffer)", () => {
    const chunker = new PcmChunker(RATE, 1, FRAME_SAMPLES);
    const frames = chunker.write(ramp(2_000).buffer);
    expect(frames).toHaveLength(4);
    for (const frame of frames) {
      expect(frame.data.buffer.byteLength).toBe(FRAME_SAMPLES * 2);
      expect(frame.data.byteOffset).toBe(0);
    }
    // Later writes do not touch frames already handed out.
    const first = Array.from(frames[0]?.data ?? []);
    chunker.write(new Int16Array(FRAME_SAMPLES).fill(1).buffer);
    expect(Array.from(frames[0]?.data ?? [])).toEqual(first);
  });

  it('reads a view of a larger buffer from its own offset, as a typed array hands it', () => {
    const chunker = new PcmChunker(RATE, 1, FRAME_SAMPLES);
    const whole = ramp(FRAME_SAMPLES + 100);
    const [frame] = chunker.write(whole.subarray(100));
    expect(Array.from(frame?.data ?? [])).toEqual(Array.from(whole.subarray(100)));
  });

  it("frames any sequence of writes exactly as the framework's AudioByteStream does", () => {
    // Deterministic sizes: odd byte counts and writes spanning several frames included.
    const sizes = Array.from({ length: 400 }, (_, i) => (i * 7919) % 3_001);
    const bytes = new Uint8Array(ramp(sizes.reduce((a, b) => a + b, 0)).buffer);
    const ours = new PcmChunker(RATE, 1, FRAME_SAMPLES);
    const framework = new AudioByteStream(RATE, 1, FRAME_SAMPLES);
    const oursOut: AudioFrame[] = [];
    const frameworkOut: AudioFrame[] = [];
    let offset = 0;
    for (const size of sizes) {
      const chunk = bytes.slice(offset, offset + size);
      offset += size;
      oursOut.push(...ours.write(chunk.buffer));
      frameworkOut.push(...framework.write(chunk.slice().buffer));
    }
    oursOut.push(...ours.flush());
    frameworkOut.push(...framework.flush());

    expect(oursOut.length).toBeGreaterThan(100);
    expect(oursOut.map((f) => f.samplesPerChannel)).toEqual(frameworkOut.map((f) => f.samplesPerChannel));
    expect(samplesOf(oursOut)).toEqual(samplesOf(frameworkOut));
  });

  it('keeps nothing after a flush, and drops a half sample as the framework does', () => {
    const chunker = new PcmChunker(RATE, 1, FRAME_SAMPLES);
    chunker.write(new Uint8Array(3).buffer);
    expect(chunker.flush()).toEqual([]);
    expect(chunker.flush()).toEqual([]);
    const [frame] = chunker.write(ramp(FRAME_SAMPLES).buffer);
    expect(Array.from(frame?.data ?? [])).toEqual(Array.from(ramp(FRAME_SAMPLES)));
  });
});

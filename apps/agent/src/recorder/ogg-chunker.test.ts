import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, SAMPLE_RATE } from './audio-format.ts';
import { OggChunker, type RecordingChunk } from './ogg-chunker.ts';
import { OggOpusWriter, type OggPage } from './ogg-opus-writer.ts';
import { createStereoOpusEncoder } from './opus-encoder.ts';

const PRE_SKIP = 312;

function page(granule: number, size = 100, eos = false): OggPage {
  return { bytes: new Uint8Array(size).fill(granule % 251), granule, eos };
}

function chunker(chunkSeconds: number, pageSeconds = 1) {
  const chunks: RecordingChunk[] = [];
  const c = new OggChunker({
    chunkSeconds,
    pageSeconds,
    preSkip: PRE_SKIP,
    onChunk: (chunk) => chunks.push(chunk),
  });
  return { c, chunks };
}

describe('OggChunker', () => {
  it('cuts after the page past which one more page could overflow the interval', () => {
    const { c, chunks } = chunker(3);
    c.addPage(page(0)); // OpusHead
    c.addPage(page(0)); // OpusTags
    for (let second = 1; second <= 7; second++) c.addPage(page(second * SAMPLE_RATE));

    expect(chunks.map((chunk) => [chunk.seq, chunk.bytes.length, chunk.durationMs])).toEqual([
      [0, 500, Math.round((3 * SAMPLE_RATE - PRE_SKIP) / 48)],
      [1, 300, Math.round((6 * SAMPLE_RATE - PRE_SKIP) / 48)],
    ]);
    c.addPage(page(7.5 * SAMPLE_RATE + PRE_SKIP, 50, true));
    expect(chunks.map((chunk) => [chunk.seq, chunk.bytes.length, chunk.durationMs])).toContainEqual([
      2, 150, 7_500,
    ]);
  });

  it('flushes what waits as the last chunk, and nothing when nothing waits', () => {
    const { c, chunks } = chunker(10);
    c.addPage(page(0));
    c.addPage(page(SAMPLE_RATE));
    c.flush();
    c.flush();
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0]);
  });

  it('never cuts on a page where no packet ends', () => {
    const { c, chunks } = chunker(1);
    c.addPage(page(-1));
    expect(chunks).toEqual([]);
  });

  it('cuts the real writer’s stream into chunks of at most the interval that join into the stream', async () => {
    const pages: OggPage[] = [];
    const chunks: RecordingChunk[] = [];
    const encoder = createStereoOpusEncoder();
    const c = new OggChunker({
      chunkSeconds: 2,
      pageSeconds: 1,
      preSkip: encoder.preSkip,
      onChunk: (chunk) => chunks.push(chunk),
    });
    const writer = new OggOpusWriter(
      encoder,
      (p) => {
        pages.push(p);
        c.addPage(p);
      },
      { maxPageSeconds: 1 },
    );
    // 7.3 s of a 440 Hz tone on the left.
    const totalSamples = Math.round(7.3 * SAMPLE_RATE);
    let t = 0;
    for (; t + FRAME_SAMPLES <= totalSamples; t += FRAME_SAMPLES) {
      const frame = new Int16Array(FRAME_SAMPLES * 2);
      for (let i = 0; i < FRAME_SAMPLES; i++)
        frame[i * 2] = Math.round(8_000 * Math.sin((2 * Math.PI * 440 * (t + i)) / SAMPLE_RATE));
      writer.write(frame);
    }
    await writer.finish(new Int16Array((totalSamples - t) * 2), totalSamples);
    c.flush();

    expect(chunks.map((chunk) => chunk.seq)).toEqual([0, 1, 2, 3]);
    const joined = Buffer.concat(chunks.map((chunk) => chunk.bytes));
    expect(joined.equals(Buffer.concat(pages.map((p) => p.bytes)))).toBe(true);
    for (const chunk of chunks)
      expect(Buffer.from(chunk.bytes.subarray(0, 4)).toString('ascii')).toBe('OggS');
    expect(Buffer.from(chunks[0]?.bytes.subarray(28, 36) ?? []).toString('ascii')).toBe('OpusHead');
    let before = 0;
    for (const chunk of chunks) {
      expect(chunk.durationMs - before).toBeLessThanOrEqual(2_000);
      before = chunk.durationMs;
    }
    expect(chunks.at(-1)?.durationMs).toBe(7_300);
    expect(pages.at(-1)).toMatchObject({ eos: true, granule: totalSamples + encoder.preSkip });
  });
});

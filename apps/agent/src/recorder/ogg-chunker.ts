import { RECORDING_CHUNK_MAX_BYTES } from '@voicedesk/core';
import { SAMPLE_RATE, samplesToMs } from './audio-format.ts';
import type { OggPage } from './ogg-opus-writer.ts';

/** A run of whole Ogg pages: chunks 0..n-1 concatenated are the file. */
export interface RecordingChunk {
  seq: number;
  bytes: Uint8Array;
  /** Audio from the recording's start to this chunk's end, in milliseconds. */
  durationMs: number;
}

export interface OggChunkerOptions {
  /** A chunk holds at most this much audio. */
  chunkSeconds: number;
  /** No page holds more than this (the writer's maximum page duration). */
  pageSeconds: number;
  /** The stream's pre-skip: granules count it, the audio does not. */
  preSkip: number;
  onChunk(chunk: RecordingChunk): void;
  maxBytes?: number;
}

/** Headroom under the API's chunk limit for the page that would come next. */
const PAGE_HEADROOM_BYTES = 64 * 1024;

/**
 * Groups pages into chunks of at most `chunkSeconds` of audio, cut on page boundaries: a chunk
 * goes out after the page past which one more page could overflow it. Chunk 0 starts with the
 * OpusHead and OpusTags pages.
 */
export class OggChunker {
  readonly #opts: OggChunkerOptions;
  readonly #interval: number;
  readonly #page: number;
  readonly #maxBytes: number;
  #pages: Uint8Array[] = [];
  #bytes = 0;
  #seq = 0;
  /** Granule at the end of the last chunk cut. */
  #cutGranule = 0;
  #granule = 0;

  constructor(options: OggChunkerOptions) {
    this.#opts = options;
    this.#interval = Math.round(options.chunkSeconds * SAMPLE_RATE);
    this.#page = Math.round(options.pageSeconds * SAMPLE_RATE);
    this.#maxBytes = (options.maxBytes ?? RECORDING_CHUNK_MAX_BYTES) - PAGE_HEADROOM_BYTES;
  }

  /** Chunks cut so far. */
  get chunks(): number {
    return this.#seq;
  }

  addPage(page: OggPage): void {
    this.#pages.push(page.bytes);
    this.#bytes += page.bytes.length;
    // A page on which no packet ends (granule -1) is not a place to cut: its packet goes on.
    if (page.granule < 0) return;
    this.#granule = page.granule;
    const span = this.#granule - this.#cutGranule;
    if (page.eos || span + this.#page > this.#interval || this.#bytes >= this.#maxBytes) this.#cut();
  }

  /** Cuts whatever pages are waiting as the last chunk. */
  flush(): void {
    if (this.#pages.length > 0) this.#cut();
  }

  #cut(): void {
    const bytes = new Uint8Array(this.#bytes);
    let offset = 0;
    for (const page of this.#pages) {
      bytes.set(page, offset);
      offset += page.length;
    }
    this.#pages = [];
    this.#bytes = 0;
    this.#cutGranule = this.#granule;
    const durationMs = samplesToMs(Math.max(0, this.#granule - this.#opts.preSkip));
    this.#opts.onChunk({ seq: this.#seq++, bytes, durationMs });
  }
}

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReadableStream, TransformStream } from 'node:stream/web';
import { AudioFrame } from '@livekit/rtc-node';

/** What the greeting's audio depends on: any change makes the model speak it afresh. */
export interface GreetingKeyParts {
  model: string;
  voice: string;
  language: string;
  text: string;
}

export function greetingKey(parts: GreetingKeyParts): string {
  const { model, voice, language, text } = parts;
  return createHash('sha256')
    .update(JSON.stringify([model, voice, language, text.trim()]))
    .digest('hex');
}

/** A greeting as the model spoke it once: its words and 16-bit PCM. */
export interface CachedGreeting {
  key: string;
  /** The words as the model said them, for the transcript and the model's own context. */
  text: string;
  sampleRate: number;
  channels: number;
  pcm: Int16Array;
}

interface Header {
  key: string;
  text: string;
  sampleRate: number;
  channels: number;
}

const FRAME_MS = 20;
const SITE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * One file per site in the worker's data directory: a length-prefixed JSON header, then the PCM.
 * One file, written aside and renamed into place, so two calls of a site saving at once leave
 * one whole greeting, never one's header with the other's audio. A site whose greeting, voice,
 * model or language changed has a new key: its next call asks the model and replaces the file.
 */
export class GreetingCache {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  #path(siteId: string): string {
    if (!SITE_ID.test(siteId)) throw new Error('site id is not a file name');
    return join(this.#dir, `${siteId}.greeting`);
  }

  /** The site's greeting for this key, or undefined (none yet, another key, or unreadable). */
  async load(siteId: string, key: string): Promise<CachedGreeting | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(siteId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as Header;
    if (header.key !== key) return undefined;
    const body = bytes.subarray(4 + headerLength);
    // A copy: Int16Array needs an aligned offset, and the file's buffer may be pooled.
    const pcm = new Int16Array(body.length >> 1);
    Buffer.from(pcm.buffer).set(body.subarray(0, pcm.length * 2));
    return { ...header, pcm };
  }

  async save(siteId: string, greeting: CachedGreeting): Promise<void> {
    const path = this.#path(siteId);
    const { pcm, ...rest } = greeting;
    const header = Buffer.from(JSON.stringify(rest satisfies Header), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length, 0);
    await mkdir(this.#dir, { recursive: true });
    const aside = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(
        aside,
        Buffer.concat([length, header, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]),
      );
      await rename(aside, path);
    } finally {
      await rm(aside, { force: true });
    }
  }
}

/** The cached PCM as 20 ms frames, for the session to play like any other speech. */
export function greetingFrames(greeting: CachedGreeting): ReadableStream<AudioFrame> {
  const { sampleRate, channels, pcm } = greeting;
  const step = ((sampleRate * FRAME_MS) / 1000) * channels;
  let offset = 0;
  return new ReadableStream<AudioFrame>({
    pull(controller) {
      if (offset >= pcm.length) {
        controller.close();
        return;
      }
      const data = pcm.slice(offset, offset + step);
      offset += step;
      controller.enqueue(new AudioFrame(data, sampleRate, channels, data.length / channels));
    },
  });
}

/** A chunk of a reply's transcript as the framework streams it: text, or text with timings. */
type TranscriptChunk = string | { text: string };

/**
 * Collects one model reply as it is generated, audio frames and transcript, so a greeting the
 * model speaks can be kept. `done` resolves once both streams ended (the model finished the
 * reply; its playout may still be going on), or with undefined after `abandon`.
 */
export class GreetingTap {
  readonly #frames: AudioFrame[] = [];
  #text = '';
  #audioEnded = false;
  #textEnded = false;
  #settle: (reply: { frames: AudioFrame[]; text: string } | undefined) => void = () => {};
  readonly done = new Promise<{ frames: AudioFrame[]; text: string } | undefined>((resolve) => {
    this.#settle = resolve;
  });

  tapAudio(audio: ReadableStream<AudioFrame>): ReadableStream<AudioFrame> {
    return audio.pipeThrough(
      new TransformStream<AudioFrame, AudioFrame>({
        transform: (frame, controller) => {
          this.#frames.push(frame);
          controller.enqueue(frame);
        },
        flush: () => {
          this.#audioEnded = true;
          this.#check();
        },
      }),
    );
  }

  tapText<T extends TranscriptChunk>(text: ReadableStream<T>): ReadableStream<T> {
    return text.pipeThrough(
      new TransformStream<T, T>({
        transform: (chunk, controller) => {
          this.#text += typeof chunk === 'string' ? chunk : chunk.text;
          controller.enqueue(chunk);
        },
        flush: () => {
          this.#textEnded = true;
          this.#check();
        },
      }),
    );
  }

  /** The words are known already (a text the voice reads out): only the audio is tapped. */
  knownText(text: string): void {
    this.#text = text;
    this.#textEnded = true;
    this.#check();
  }

  abandon(): void {
    this.#settle(undefined);
  }

  #check(): void {
    if (this.#audioEnded && this.#textEnded) this.#settle({ frames: this.#frames, text: this.#text.trim() });
  }
}

/** The frames as one cacheable greeting (all frames of a reply share its format). */
export function greetingFromFrames(
  key: string,
  text: string,
  frames: readonly AudioFrame[],
): CachedGreeting | undefined {
  const first = frames[0];
  if (!first) return undefined;
  const total = frames.reduce((n, f) => n + f.data.length, 0);
  const pcm = new Int16Array(total);
  let at = 0;
  for (const frame of frames) {
    pcm.set(frame.data, at);
    at += frame.data.length;
  }
  return { key, text, sampleRate: first.sampleRate, channels: first.channels, pcm };
}

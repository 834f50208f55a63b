import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadableStream } from 'node:stream/web';
import { AudioFrame } from '@livekit/rtc-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GreetingCache,
  GreetingTap,
  greetingFrames,
  greetingFromFrames,
  greetingKey,
} from './greeting-cache.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cache(): GreetingCache {
  const dir = mkdtempSync(join(tmpdir(), 'greetings-'));
  dirs.push(dir);
  return new GreetingCache(join(dir, 'nested'));
}

const frame = (value: number, samples = 480) =>
  new AudioFrame(new Int16Array(samples).fill(value), 24_000, 1, samples);
function kept(key: string, text: string, frames: AudioFrame[]) {
  const greeting = greetingFromFrames(key, text, frames);
  if (!greeting) throw new Error('no frames');
  return greeting;
}
const parts = { model: 'gpt-realtime', voice: 'alloy', language: 'en', text: 'Hi there!' };

describe('GreetingCache', () => {
  it('gives back the greeting for its key only; a changed greeting, voice or model misses', async () => {
    const store = cache();
    const key = greetingKey(parts);
    const greeting = kept(key, 'Hi there!', [frame(1), frame(2), frame(3)]);
    await store.save('site-1', greeting);

    const back = await store.load('site-1', key);
    expect(back?.text).toBe('Hi there!');
    expect(back?.sampleRate).toBe(24_000);
    expect([...(back?.pcm ?? [])]).toEqual([...greeting.pcm]);
    for (const change of [{ text: 'Hello!' }, { voice: 'verse' }, { model: 'gpt-realtime-mini' }]) {
      expect(await store.load('site-1', greetingKey({ ...parts, ...change }))).toBeUndefined();
    }
    expect(await store.load('site-2', key)).toBeUndefined();
  });

  it("replaces a site's greeting when a new one is kept", async () => {
    const store = cache();
    const oldKey = greetingKey(parts);
    const newKey = greetingKey({ ...parts, text: 'Hello!' });
    await store.save('site-1', kept(oldKey, 'Hi there!', [frame(1)]));
    await store.save('site-1', kept(newKey, 'Hello!', [frame(7)]));
    expect(await store.load('site-1', oldKey)).toBeUndefined();
    expect((await store.load('site-1', newKey))?.text).toBe('Hello!');
  });

  it('plays the kept audio back as 20 ms frames, every sample once', async () => {
    const greeting = kept('k', 'Hi', [frame(1, 700), frame(2, 700)]);
    const sizes: number[] = [];
    const samples: number[] = [];
    for await (const f of greetingFrames(greeting)) {
      sizes.push(f.samplesPerChannel);
      samples.push(...f.data);
    }
    expect(sizes).toEqual([480, 480, 440]);
    expect(samples).toEqual([...greeting.pcm]);
  });

  it('refuses a site id that is not a plain file name', async () => {
    await expect(cache().load('../etc', 'k')).rejects.toThrow(/file name/);
  });
});

async function drain(stream: ReadableStream<unknown>): Promise<void> {
  for await (const _ of stream) {
    // consumed as the session would play it
  }
}

describe('GreetingTap', () => {
  it("holds a reply's frames and words once both its audio and its transcript have ended", async () => {
    const tap = new GreetingTap();
    let settled = false;
    void tap.done.then(() => {
      settled = true;
    });
    await drain(tap.tapAudio(ReadableStream.from([frame(1), frame(2)])));
    await Promise.resolve();
    expect(settled).toBe(false);
    await drain(tap.tapText(ReadableStream.from(['Hi ', { text: 'there!' }])));
    const reply = await tap.done;
    expect(reply?.text).toBe('Hi there!');
    expect(reply?.frames.map((f) => f.data[0])).toEqual([1, 2]);
  });

  it('holds the audio of a text read out, with words known beforehand, once the audio ended', async () => {
    const tap = new GreetingTap();
    tap.knownText('Hello there.');
    let settled = false;
    void tap.done.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await drain(tap.tapAudio(ReadableStream.from([frame(3), frame(4)])));
    const reply = await tap.done;
    expect(reply?.text).toBe('Hello there.');
    expect(reply?.frames.map((f) => f.data[0])).toEqual([3, 4]);
  });

  it('keeps nothing once abandoned', async () => {
    const tap = new GreetingTap();
    tap.abandon();
    await drain(tap.tapAudio(ReadableStream.from([frame(1)])));
    await drain(tap.tapText(ReadableStream.from(['Hi'])));
    expect(await tap.done).toBeUndefined();
  });
});

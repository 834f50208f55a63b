import { describe, expect, it } from 'vitest';
import ffmpeg from './lazy-fluent-ffmpeg.ts';

interface Command {
  _getFfmpegPath(callback: (error: Error | null, path: string) => void): void;
}

describe("fluent-ffmpeg in the worker's bundle, loaded on first use", () => {
  it('makes real commands that use the binary path the framework set before they loaded', async () => {
    ffmpeg.setFfmpegPath('/opt/voicedesk-test/ffmpeg');
    const command = ffmpeg('input.wav') as Command;
    const path = await new Promise<string>((resolve, reject) =>
      command._getFfmpegPath((error, found) => (error ? reject(error) : resolve(found))),
    );
    expect(path).toBe('/opt/voicedesk-test/ffmpeg');
  });
});

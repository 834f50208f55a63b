import { AudioByteStream } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { frameworkLogger } from './logger.ts';
import { PcmChunker } from './pcm-chunker.ts';

/** The Realtime API's input audio: PCM16 mono at 24 kHz. */
const SAMPLE_RATE = 24_000;

/**
 * How much of the visitor's audio each `input_audio_buffer.append` carries. The plugin holds the
 * audio back until it has 100 ms, so the model's server VAD heard the visitor stop up to 100 ms
 * late (bench/call-bench.ts: the hop in went from 55 / 131 ms to 46 / 63). 20 ms is one WebRTC
 * (and telephony) audio packet.
 */
const INPUT_CHUNK_MS = 20;

/**
 * The plugin's realtime model, with its sessions sending the visitor's audio every 20 ms, cut by a
 * chunker that copies each byte once (pcm-chunker.ts).
 */
export class RealtimeModel extends openai.realtime.RealtimeModel {
  override session(): openai.realtime.RealtimeSession {
    const session = super.session();
    // agents-plugin-openai 1.9.0 (pinned exactly) keeps its chunker in a private field that each
    // push reads. model.test.ts fails if a later plugin moves it; a worker then says so here.
    if (Reflect.get(session, 'bstream') instanceof AudioByteStream) {
      Reflect.set(session, 'bstream', new PcmChunker(SAMPLE_RATE, 1, (SAMPLE_RATE * INPUT_CHUNK_MS) / 1000));
    } else {
      frameworkLogger().warn(
        {},
        "the OpenAI plugin's input chunker was not found: the visitor's audio goes to the model in the plugin's own chunks",
      );
    }
    return session;
  }
}

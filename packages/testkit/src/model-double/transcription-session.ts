import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { EnergyVad } from './energy-vad.ts';

export interface TranscriptionControls {
  defaultSilenceMs: number;
  /** The text of the next utterance any transcription session hears (a shared, ordered count). */
  nextTranscript(): string;
}

export interface TranscriptionSessionInfo {
  id: string;
  model: string | null;
  /** Final transcripts this session sent, in order. */
  transcripts: string[];
  /** Bytes of PCM16 audio received. */
  audioBytes: number;
}

type Json = Record<string, unknown>;
const id = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

/**
 * One streaming transcription session (`/v1/realtime?intent=transcription`), the server side as
 * the installed plugin's `openai.STT` with `useRealtime: true` reads it: session.update →
 * session.updated; appended PCM16 at 24 kHz runs through an energy VAD standing in for the server
 * VAD (speech_started, speech_stopped, committed), and each utterance gets a final
 * `conversation.item.input_audio_transcription.completed` with scripted text. It never answers:
 * a transcription session has no responses.
 */
export class TranscriptionSession {
  readonly info: TranscriptionSessionInfo;
  private vad: EnergyVad;
  private previousItem: string | null = null;
  private currentItem: string | null = null;

  constructor(
    private ws: WebSocket,
    private controls: TranscriptionControls,
    model: string | null,
  ) {
    this.info = { id: id('sess'), model, transcripts: [], audioBytes: 0 };
    this.vad = new EnergyVad(controls.defaultSilenceMs);
    ws.on('message', (data) => {
      let event: Json;
      try {
        event = JSON.parse(String(data)) as Json;
      } catch {
        return;
      }
      this.handle(event);
    });
    this.send({ type: 'session.created', session: { id: this.info.id, type: 'transcription' } });
  }

  private send(event: Json): void {
    if (this.ws.readyState === this.ws.OPEN)
      this.ws.send(JSON.stringify({ event_id: id('event'), ...event }));
  }

  private handle(event: Json): void {
    switch (event.type) {
      case 'session.update': {
        const session = (event.session ?? {}) as Json;
        const input = (session.audio as Json | undefined)?.input as Json | undefined;
        const turn = input?.turn_detection as Json | undefined;
        if (turn && typeof turn.silence_duration_ms === 'number')
          this.vad.silenceMs = turn.silence_duration_ms;
        this.send({ type: 'session.updated', session: { id: this.info.id, ...session } });
        return;
      }
      case 'input_audio_buffer.append': {
        const bytes = Buffer.from(String(event.audio ?? ''), 'base64');
        this.info.audioBytes += bytes.length;
        const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
        for (const v of this.vad.push(pcm)) {
          if (v.type === 'speech_started') {
            this.currentItem = id('item');
            this.send({
              type: 'input_audio_buffer.speech_started',
              audio_start_ms: v.audioMs,
              item_id: this.currentItem,
            });
          } else {
            this.utteranceEnded(v.audioMs);
          }
        }
        return;
      }
      case 'input_audio_buffer.commit':
        // A client-side end of speech (the plugin's VAD mode): whatever was heard is one utterance.
        if (this.vad.speaking) {
          this.vad.reset();
          this.utteranceEnded(0);
        }
        return;
      case 'input_audio_buffer.clear':
        this.vad.reset();
        this.send({ type: 'input_audio_buffer.cleared' });
        return;
      default:
        return;
    }
  }

  private utteranceEnded(audioMs: number): void {
    const itemId = this.currentItem ?? id('item');
    this.currentItem = null;
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: audioMs, item_id: itemId });
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: this.previousItem });
    this.previousItem = itemId;
    const transcript = this.controls.nextTranscript();
    this.info.transcripts.push(transcript);
    this.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: itemId,
      content_index: 0,
      transcript,
      usage: { type: 'tokens', input_tokens: 20, output_tokens: 10, total_tokens: 30 },
    });
  }
}
